package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// rawClient sends one fixed HTTP/1.1 GET over a kept-alive connection and reads
// the answer with as little work as possible. The generator shares the machine's
// cores with the server, so every microsecond it spends is taken from the
// server: net/http's client costs several times more per request (headers in
// maps, a goroutine per connection, cookie jars), which matters at 30,000
// requests per second and not at all for the form scenarios, which use net/http.
type rawClient struct {
	addr    string
	req     []byte
	conn    net.Conn
	br      *bufio.Reader
	timeout time.Duration
	// keepBody keeps the last answer's body (for pages that must be parsed);
	// otherwise bodies are read and dropped.
	keepBody bool
	body     bytes.Buffer
	// keepHeaders keeps the last answer's header lines ("Name: value") in
	// headers, for the probe that shows the baseline what to answer.
	keepHeaders bool
	headers     []string
	// Headers of the last answer that the scenarios look at.
	location, retryAfter string
	scratch              bytes.Buffer // the request being built by post
}

// newRawClient prepares GET path on addr with the extra header lines (each
// "Name: value", no CRLF).
func newRawClient(addr, path string, headers []string, timeout time.Duration) *rawClient {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: gatehouse-load\r\n", path, addr)
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return &rawClient{addr: addr, req: b.Bytes(), timeout: timeout}
}

var errBadResponse = errors.New("malformed response")

// post sends a url-encoded form to path with the extra header lines and
// returns the answer's status; Location and Retry-After are kept in c.
func (c *rawClient) post(path string, headers []string, form string) (int, error) {
	b := &c.scratch
	b.Reset()
	b.WriteString("POST ")
	b.WriteString(path)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(c.addr)
	b.WriteString("\r\nUser-Agent: gatehouse-load\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(len(form)))
	b.WriteString("\r\n")
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(form)
	saved := c.req
	c.req = b.Bytes()
	defer func() { c.req = saved }()
	return c.do()
}

// get sends GET path with the extra header lines instead of the fixed
// request and returns the answer's status.
func (c *rawClient) get(path string, headers []string) (int, error) {
	b := &c.scratch
	b.Reset()
	b.WriteString("GET ")
	b.WriteString(path)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(c.addr)
	b.WriteString("\r\nUser-Agent: gatehouse-load\r\n")
	for _, h := range headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	saved := c.req
	c.req = b.Bytes()
	defer func() { c.req = saved }()
	return c.do()
}

// do sends the request and returns the answer's status. On any error the
// connection is dropped and the next call dials a new one.
func (c *rawClient) do() (int, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return 0, err
		}
		c.conn = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	if c.timeout > 0 {
		_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
	}
	status, closeAfter, err := c.roundTrip()
	if err != nil || closeAfter {
		c.close()
	}
	return status, err
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (c *rawClient) roundTrip() (status int, closeAfter bool, err error) {
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, true, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, true, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, true, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, true, errBadResponse
	}
	length, chunked := -1, false
	c.location, c.retryAfter = "", ""
	c.headers = c.headers[:0]
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return status, true, err
		}
		if len(line) <= 2 { // the blank line ending the header
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, true, errBadResponse
		}
		value = bytes.TrimSpace(value)
		if c.keepHeaders {
			c.headers = append(c.headers, string(name)+": "+string(value))
		}
		switch {
		case asciiEqualFold(name, "Content-Length"):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return status, true, errBadResponse
			}
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			closeAfter = asciiEqualFold(value, "close")
		case asciiEqualFold(name, "Location"):
			c.location = string(value)
		case asciiEqualFold(name, "Retry-After"):
			c.retryAfter = string(value)
		}
	}
	c.body.Reset()
	var sink io.Writer = io.Discard
	if c.keepBody {
		sink = &c.body
	}
	switch {
	case chunked:
		err = readChunked(c.br, sink)
	case length >= 0 && !c.keepBody:
		_, err = c.br.Discard(length)
	case length >= 0:
		_, err = io.CopyN(sink, c.br, int64(length))
	default:
		// No length: the body runs to the end of the connection.
		_, err = io.Copy(sink, c.br)
		closeAfter = true
	}
	if err != nil {
		return status, true, err
	}
	return status, closeAfter, nil
}

// readChunked copies a chunked body to w.
func readChunked(br *bufio.Reader, w io.Writer) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimSpace(line)
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(line), 16, 64)
		if err != nil || n < 0 {
			return errBadResponse
		}
		if n == 0 {
			// Trailers, if any, end with a blank line.
			for {
				t, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(t) <= 2 {
					return nil
				}
			}
		}
		if _, err := io.CopyN(w, br, n); err != nil {
			return err
		}
		if _, err := br.Discard(2); err != nil { // CRLF after the chunk
			return err
		}
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
