package mail

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders message bodies for the HTML part of e-mails: the
// CommonMark subset the web client renders (emphasis, strong, inline code,
// fenced code blocks, block quotes, lists, links, autolinks). Raw HTML is
// never rendered: it shows as text; goldmark empties javascript: and other
// dangerous link targets. Headings, thematic breaks and images are not
// part of the subset and come out as their text. The text part of the
// e-mail keeps the source.
type markdown struct{ md goldmark.Markdown }

func newMarkdown() markdown {
	return markdown{md: goldmark.New(
		goldmark.WithExtensions(extension.Linkify),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(subset{}, 0))),
		goldmark.WithRendererOptions(html.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(textOnly{}, 0))),
	)}
}

// HTML renders a body; on the (impossible for in-memory input) error it
// falls back to the escaped source.
func (m markdown) HTML(body string) template.HTML {
	var b bytes.Buffer
	if err := m.md.Convert([]byte(body), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(body))
	}
	return template.HTML(b.String())
}

// subset turns headings into paragraphs: they stay text at body size.
type subset struct{}

func (subset) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var headings []*ast.Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			headings = append(headings, h)
		}
		return ast.WalkContinue, nil
	})
	for _, h := range headings {
		p := ast.NewParagraph()
		p.SetLines(h.Lines())
		for c := h.FirstChild(); c != nil; {
			next := c.NextSibling()
			p.AppendChild(p, c)
			c = next
		}
		h.Parent().ReplaceChild(h.Parent(), h, p)
	}
}

// textOnly renders raw HTML as the text it is (as the web client shows
// it), an image as its alt text and a thematic break as nothing: no markup
// of the sender's and no remote content gets into the e-mail.
type textOnly struct{}

func (textOnly) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := range segs.Len() {
				seg := segs.At(i)
				_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		b := n.(*ast.HTMLBlock)
		_, _ = w.WriteString("<p>")
		lines := b.Lines()
		for i := range lines.Len() {
			if i > 0 {
				_, _ = w.WriteString("<br>\n")
			}
			seg := lines.At(i)
			_, _ = w.Write(util.EscapeHTML(bytes.TrimRight(seg.Value(src), "\n")))
		}
		if b.HasClosure() {
			_, _ = w.WriteString("<br>\n")
			_, _ = w.Write(util.EscapeHTML(bytes.TrimRight(b.ClosureLine.Value(src), "\n")))
		}
		_, _ = w.WriteString("</p>\n")
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindImage, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		return ast.WalkContinue, nil // the children (the alt text) render as text
	})
	reg.Register(ast.KindThematicBreak, func(util.BufWriter, []byte, ast.Node, bool) (ast.WalkStatus, error) {
		return ast.WalkContinue, nil
	})
}
