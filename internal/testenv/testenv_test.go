package testenv

import "testing"

func TestInCI(t *testing.T) {
	for _, tc := range []struct {
		name, ci, require string
		want              bool
	}{
		{"developer machine", "", "", false},
		{"CI=true", "true", "", true},
		{"CI set otherwise", "1", "", false},
		{"require variable set", "", "1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv("OPENCHAT_TEST_REQUIRE_X", tc.require)
			if got := inCI("OPENCHAT_TEST_REQUIRE_X"); got != tc.want {
				t.Errorf("inCI = %v, want %v", got, tc.want)
			}
		})
	}
}
