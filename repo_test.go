package gatehouse

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTrackedFile bounds the size of any file kept in the repository. The
// largest legitimate one is the compressed password list (about 1 MB); a build
// output is tens of megabytes.
const maxTrackedFile = 4 << 20

// TestNoBuildOutputsInTheRepository keeps binaries out of git: no tracked file
// is an executable (ELF, Mach-O, PE) or larger than maxTrackedFile, and what
// `go build` writes into a command's directory is ignored.
func TestNoBuildOutputsInTheRepository(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed: this test checks a git work tree")
	}
	if out, err := exec.Command(git, "rev-parse", "--is-inside-work-tree").Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		t.Skip("not a git work tree (a source archive): nothing is committed here")
	}
	out, err := exec.Command(git, "ls-files", "-z", "--cached").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	top, err := exec.Command(git, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSpace(string(top))
	magics := map[string][]byte{
		"ELF": []byte("\x7fELF"), "Mach-O": {0xcf, 0xfa, 0xed, 0xfe}, "Mach-O (32-bit)": {0xce, 0xfa, 0xed, 0xfe},
		"PE": []byte("MZ"),
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		path := filepath.Join(root, name)
		fi, err := os.Lstat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		if fi.Size() > maxTrackedFile {
			t.Errorf("%s is tracked and %d MB: build outputs and large data do not belong in git", name, fi.Size()>>20)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 4)
		n, _ := f.Read(head)
		f.Close()
		for kind, magic := range magics {
			if bytes.HasPrefix(head[:n], magic) {
				t.Errorf("%s is a tracked %s executable", name, kind)
			}
		}
	}
	// What `go build` leaves behind when run in a command's directory or at
	// the top, and what `go test -c` writes, is ignored.
	var outputs []string
	cmds, _ := filepath.Glob(filepath.Join(root, "cmd", "*"))
	for _, dir := range cmds {
		base := filepath.Base(dir)
		outputs = append(outputs, filepath.Join("cmd", base, base), base, filepath.Join("cmd", base, base+".exe"))
	}
	outputs = append(outputs, "delivery/delivery.test", "web/cpu.prof")
	for _, p := range outputs {
		if err := exec.Command(git, "-C", root, "check-ignore", "-q", "--no-index", p).Run(); err != nil {
			t.Errorf("%s (a build output) is not ignored by .gitignore", p)
		}
	}
}
