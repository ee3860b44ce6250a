package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/open-chat/openchat/web"
)

// webCommand runs `openchat web export DIR`.
func webCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return fmt.Errorf("usage: openchat web export [--api-origin URL] [--asset-url URL] DIR")
	}
	fs := flag.NewFlagSet("web export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api-origin", getenv("OPENCHAT_API_ORIGIN"), "origin of the OpenChat server the exported client talks to, e.g. https://chat.example.com [$OPENCHAT_API_ORIGIN]")
	asset := fs.String("asset-url", getenv("OPENCHAT_ASSET_URL"), "URL the assets will be served from (CDN) [$OPENCHAT_ASSET_URL]")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: openchat web export [--api-origin URL] [--asset-url URL] DIR")
	}
	dir := fs.Arg(0)
	if err := web.Export(dir, web.Config{APIOrigin: *api, AssetURL: *asset}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "web client written to %s (API origin %q)\n", dir, *api)
	if *asset != "" {
		// Browsers fetch module scripts in CORS mode: without this header
		// the page stays blank.
		fmt.Fprintf(stdout, "the asset host %s must answer with Access-Control-Allow-Origin\n", *asset)
	}
	return nil
}
