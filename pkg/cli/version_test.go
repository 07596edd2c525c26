package cli

import (
	"runtime/debug"
	"testing"
)

// The version names the module version and, when the build carries it,
// the VCS revision, its time and whether the tree was modified; a build
// that carries nothing says "(devel)".
func TestVersionOf(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "1f8d7481473cebdca6ab31fd115807864f137fb4"},
		{Key: "vcs.time", Value: "2026-12-03T06:42:19Z"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"v0.0.0-20261203064219-1f8d7481473c", vcs, "v0.0.0-20261203064219-1f8d7481473c (revision 1f8d7481473c, 2026-12-03T06:42:19Z, modified)"},
		{"v1.2.3", nil, "v1.2.3"},
		{"(devel)", nil, "(devel)"},
		{"", nil, "(devel)"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Version: c.main}, Settings: c.settings}
		if got := versionOf(bi); got != c.want {
			t.Errorf("versionOf(%q) = %q, want %q", c.main, got, c.want)
		}
	}
}
