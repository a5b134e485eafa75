//! `GET /metrics`: requests, latencies and results by the guide's code, in the
//! Prometheus/OpenMetrics text format (`prometheus-client`, docs/adr/0056).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Content type of the exposition.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub(crate) endpoint: &'static str,
    pub(crate) status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct EndpointLabels {
    pub(crate) endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ResultLabels {
    pub(crate) endpoint: &'static str,
    pub(crate) code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RejectLabels {
    pub(crate) reason: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms … ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Every metric the server exports.
pub(crate) struct Metrics {
    registry: Registry,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) duration: Family<EndpointLabels, Histogram>,
    pub(crate) results: Family<ResultLabels, Counter>,
    pub(crate) rejected: Family<RejectLabels, Counter>,
    pub(crate) in_flight: Gauge,
    pub(crate) connections: Gauge,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("sesgo");
        let requests = Family::<RequestLabels, Counter>::default();
        let duration = Family::<EndpointLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let results = Family::<ResultLabels, Counter>::default();
        let rejected = Family::<RejectLabels, Counter>::default();
        let in_flight = Gauge::default();
        let connections = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by endpoint and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from the request headers to the response, by endpoint",
            duration.clone(),
        );
        registry.register(
            "results",
            "Results by endpoint and the guide's code (situacao-excepcional-assinatura): VALIDATION.SUCCESS, or the first error's code",
            results.clone(),
        );
        registry.register(
            "http_rejected",
            "Requests or connections refused before reaching the facade, by reason",
            rejected.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests admitted and not yet answered",
            in_flight.clone(),
        );
        registry.register(
            "open_connections",
            "Open client connections",
            connections.clone(),
        );
        Metrics {
            registry,
            requests,
            duration,
            results,
            rejected,
            in_flight,
            connections,
        }
    }

    pub(crate) fn reject(&self, reason: &'static str) {
        self.rejected.get_or_create(&RejectLabels { reason }).inc();
    }

    /// The text exposition.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
