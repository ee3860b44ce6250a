package mail

import (
	"strings"
	"testing"
)

// TestMarkdownSubset: the e-mail renders the subset the web client
// renders, and nothing of the sender's markup or remote content.
func TestMarkdownSubset(t *testing.T) {
	md := newMarkdown()
	tests := []struct {
		name, in string
		want     []string // substrings of the HTML
		not      []string
	}{
		{"emphasis and strong", "*a* and **b**", []string{"<em>a</em>", "<strong>b</strong>"}, nil},
		{"inline code", "run `go test`", []string{"<code>go test</code>"}, nil},
		{"fenced code", "```\nx := 1 < 2\n```", []string{"<pre><code>x := 1 &lt; 2\n</code></pre>"}, nil},
		{"block quote", "> quoted", []string{"<blockquote>", "quoted"}, nil},
		{"lists", "- one\n- two\n\n1. first", []string{"<ul>", "<li>one</li>", "<ol>"}, nil},
		{"link", "[docs](https://example.org/x?a=1&b=2)", []string{`<a href="https://example.org/x?a=1&amp;b=2">docs</a>`}, nil},
		{"autolink", "see https://example.org now", []string{`<a href="https://example.org">https://example.org</a>`}, nil},
		{"line breaks kept", "one\ntwo", []string{"one<br>\ntwo"}, nil},
		{"raw html is text", "hi <script>alert(1)</script>", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}, []string{"<script>"}},
		{"an html block is text", "<div onclick=\"x()\">hi</div>", []string{"&lt;div onclick=&quot;x()&quot;&gt;hi&lt;/div&gt;"}, []string{"<div"}},
		{"javascript links go", "[x](javascript:alert(1))", nil, []string{"javascript:"}},
		{"images load nothing", "![alt text](https://tracker.example/p.gif)", []string{"alt text"}, []string{"<img", "tracker"}},
		{"headings stay body text", "# Big", []string{"<p>Big</p>"}, []string{"<h1"}},
		{"mentions stay as written", "hi @ada", []string{"hi @ada"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(md.HTML(tt.in))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q → %q, want it to contain %q", tt.in, got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("%q → %q, must not contain %q", tt.in, got, n)
				}
			}
		})
	}
}
