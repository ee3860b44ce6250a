// Package tracing sets up OpenTelemetry tracing: when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set, spans go to that collector over OTLP/HTTP; otherwise nothing is
// set up and nothing is traced. The store and Redis spans come from
// internal/instrument and internal/redis, given the provider made here.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Config names this process in its spans.
type Config struct {
	Version    string
	InstanceID string
}

// Endpoint returns the URL spans are sent to, "" when tracing is off: the
// traces endpoint as given, or the base endpoint plus /v1/traces, as the
// OpenTelemetry specification defines them. OTEL_SDK_DISABLED=true turns
// tracing off.
func Endpoint(getenv func(string) string) string {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return ""
	}
	if u := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); u != "" {
		return u
	}
	if u := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); u != "" {
		return strings.TrimRight(u, "/") + "/v1/traces"
	}
	return ""
}

// New returns a provider that batches spans to the endpoint, or nil when
// tracing is off. The exporter reads the other standard variables
// (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _CERTIFICATE, …) and the SDK the
// sampler (OTEL_TRACES_SAMPLER; default: every trace, unless the caller's
// traceparent says it is not sampled). Shut it down to flush.
func New(ctx context.Context, getenv func(string) string, cfg Config) (*sdktrace.TracerProvider, error) {
	url := Endpoint(getenv)
	if url == "" {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(url))
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter for %s: %w", url, err)
	}
	service := getenv("OTEL_SERVICE_NAME")
	if service == "" {
		service = "openchat"
	}
	res := resource.NewSchemaless(attribute.String("service.name", service), attribute.String("service.version", cfg.Version),
		attribute.String("service.instance.id", cfg.InstanceID))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// propagator reads and writes W3C trace context and baggage headers.
var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// spanName is the method, or the route pattern once a router has set it.
func spanName(_ string, r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method
}

// Handler gives every request but the probes a server span, continuing the
// trace of a caller's traceparent header. The span is named after the
// method until the API's router renames it after the route pattern
// (internal/httpapi).
func Handler(h http.Handler, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(h, "http", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagator),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()), // metrics are Prometheus's
		otelhttp.WithSpanNameFormatter(spanName),
		otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" && r.URL.Path != "/readyz" }))
}
