package main

import (
	"runtime/debug"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"
// (make build and deploy/Dockerfile do). Without it the version comes from
// the build information Go records: the module version of `go install
// …@v1.2.3`, else the VCS revision of the checkout it was built from.
var version = ""

// buildInfo is what `openchat version`, /healthz and the
// openchat_build_info metric report.
type buildInfo struct {
	Version   string // v1.2.3, or dev-<revision>[-dirty], or "dev"
	Revision  string // VCS commit, empty when unknown
	Modified  bool   // built from a checkout with uncommitted changes
	GoVersion string
}

// readBuildInfo combines -X main.version with runtime/debug's record.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		b.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	switch {
	case b.Version != "":
	case ok && bi.Main.Version != "" && bi.Main.Version != "(devel)":
		b.Version = bi.Main.Version
	case b.Revision != "":
		b.Version = "dev-" + b.Revision[:min(12, len(b.Revision))]
		if b.Modified {
			b.Version += "-dirty"
		}
	default:
		b.Version = "dev"
	}
	return b
}

// String is the line `openchat version` prints.
func (b buildInfo) String() string {
	var s strings.Builder
	s.WriteString("openchat " + b.Version)
	if b.Revision != "" && !strings.Contains(b.Version, b.Revision[:min(12, len(b.Revision))]) {
		s.WriteString(" (" + b.Revision[:min(12, len(b.Revision))])
		if b.Modified {
			s.WriteString(", modified")
		}
		s.WriteString(")")
	}
	if b.GoVersion != "" {
		s.WriteString(" " + b.GoVersion)
	}
	return s.String()
}
