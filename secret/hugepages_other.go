//go:build !linux

package secret

// adviseHugePages does nothing where transparent huge pages are not offered.
func adviseHugePages([]block) {}
