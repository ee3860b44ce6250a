// Package docs embeds the documents the server serves itself: the OpenAPI
// description of the HTTP API, at GET /api/v1/openapi.yaml.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml (OpenAPI 3.1).
//
//go:embed openapi.yaml
var OpenAPI []byte
