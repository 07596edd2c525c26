//go:build !unix

package archive

import "os"

// flockNB: without flock(2) no staging folder can be told dead from alive,
// so none is ever cleaned by another extract.
func flockNB(*os.File) error { return errNoLock }
