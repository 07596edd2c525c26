package archive

import (
	"strings"

	"github.com/xr-lake/xr/pkg/xr"
)

// An archive's name tells what it is, and --out names the file exactly:
// xr never appends to it. An age archive's name ends in .age and a
// reference-format one's in .enc; a plain archive's does not end in either,
// so that no name claims an encryption its file lacks, or hides one.

// FormatFromName is the format a name implies: tar.zst for .tar.zst and
// .tzst (before .age or .enc), else "" (the default, zip).
func FormatFromName(name string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".age"), ".enc")
	if strings.HasSuffix(base, ".tar.zst") || strings.HasSuffix(base, ".tzst") {
		return FormatTarZst
	}
	return ""
}

// CheckOutName refuses an archive name (--out) whose ending does not match
// its encryption; "-" (stdout) is always accepted.
func CheckOutName(name string, encrypted, reference bool) error {
	switch {
	case name == "-":
		return nil
	case reference && !strings.HasSuffix(name, ".enc"):
		return xr.Usagef("--out %s: a reference-format archive's name must end in .enc (--out %s.enc); --out names the file exactly", name, name)
	case encrypted && !reference && !strings.HasSuffix(name, ".age"):
		return xr.Usagef("--out %s: an encrypted archive's name must end in .age (--out %s.age); --out names the file exactly", name, name)
	case !encrypted && (strings.HasSuffix(name, ".age") || strings.HasSuffix(name, ".enc")):
		return xr.Usagef("--out %s: the name says encrypted, but the archive is not (add --encrypt, or name it without .age/.enc)", name)
	}
	return nil
}
