package chat

import (
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    Limit
		wantErr bool
		str     string
	}{
		{in: "40/2s", want: Limit{Name: "n", Quota: 40, Window: 2 * time.Second}, str: "40/2s"},
		{in: " 20/1h ", want: Limit{Name: "n", Quota: 20, Window: time.Hour}, str: "20/1h"},
		{in: "5/90s", want: Limit{Name: "n", Quota: 5, Window: 90 * time.Second}, str: "5/90s"},
		{in: "5/1m", want: Limit{Name: "n", Quota: 5, Window: time.Minute}, str: "5/1m"},
		{in: "off", want: Limit{Name: "n"}, str: "off"},
		{in: "0", want: Limit{Name: "n"}, str: "off"},
		{in: "40", wantErr: true},
		{in: "x/1s", wantErr: true},
		{in: "0/1s", wantErr: true},
		{in: "-1/1s", wantErr: true},
		{in: "10/500ms", wantErr: true},
		{in: "10/1y", wantErr: true},
		{in: "10/200h", wantErr: true},
		{in: "2000000/1h", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			l, err := ParseLimit("n", tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if l != tc.want || l.String() != tc.str {
				t.Fatalf("= %+v (%s), want %+v (%s)", l, l, tc.want, tc.str)
			}
		})
	}
}

// TestGCRA walks one key through a limit of 4 per 4 s (one per second).
func TestGCRA(t *testing.T) {
	l := Limit{Name: "n", Quota: 4, Window: 4 * time.Second}
	s := int64(time.Second)
	tests := []struct {
		now, tat  int64 // tat before the call
		wantTAT   int64
		allowed   bool
		remaining int
		retry     time.Duration
		reset     time.Duration
	}{
		{now: 100 * s, tat: 0, wantTAT: 101 * s, allowed: true, remaining: 3, reset: time.Second},
		{now: 100 * s, tat: 101 * s, wantTAT: 102 * s, allowed: true, remaining: 2, reset: 2 * time.Second},
		{now: 100 * s, tat: 103 * s, wantTAT: 104 * s, allowed: true, remaining: 0, reset: 4 * time.Second},
		{now: 100 * s, tat: 104 * s, wantTAT: 104 * s, allowed: false, retry: time.Second, reset: 4 * time.Second},
		{now: 100*s + s/2, tat: 104 * s, wantTAT: 104 * s, allowed: false, retry: time.Second / 2, reset: 3500 * time.Millisecond},
		{now: 101 * s, tat: 104 * s, wantTAT: 105 * s, allowed: true, remaining: 0, reset: 4 * time.Second},
		{now: 200 * s, tat: 104 * s, wantTAT: 201 * s, allowed: true, remaining: 3, reset: time.Second},
	}
	for i, tc := range tests {
		tat, d := GCRA(l, tc.tat, tc.now)
		want := RateDecision{Allowed: tc.allowed, Remaining: tc.remaining, RetryAfter: tc.retry, Reset: tc.reset}
		if tat != tc.wantTAT || d != want {
			t.Errorf("%d: tat %d, %+v; want %d, %+v", i, tat, d, tc.wantTAT, want)
		}
	}
}

func TestLimitSpecsNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range LimitSpecs() {
		if seen[s.Default.Name] || !s.Default.Enabled() || s.Default.Window < time.Second {
			t.Errorf("spec %+v: duplicate or not a valid default", s)
		}
		seen[s.Default.Name] = true
	}
}

func TestAddressKey(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.1":                 "192.0.2.1",
		"::ffff:192.0.2.1":          "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":      "2001:db8:1:2::/64",
		"fe80::1%eth0":              "fe80::/64",
		"not an address":            "not an address",
		"2001:db8:1:3::1":           "2001:db8:1:3::/64",
		"127.0.0.2":                 "127.0.0.2",
		"::1":                       "::/64",
		"2001:db8:1:2:3:4:5:6%zone": "2001:db8:1:2::/64",
	} {
		if got := AddressKey(remote); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", remote, got, want)
		}
	}
}
