package br.gov.go.saude.sesgo;

/**
 * A host transport for {@link Network#withFetcher}: every request sesgo makes through that
 * network (AIA {@code caIssuers}, the ITI archive, OCSP, CRL, the TSA, token requests) goes
 * through it, for hosts with their own HTTP stack, proxy authentication or egress rules.
 * Called from the thread that uses the network, possibly from several threads at once.
 * (Token requests over mutual TLS need the host to present the client certificate itself.)
 */
@FunctionalInterface
public interface Fetcher {
    /**
     * Performs one request.
     *
     * @param method {@code "GET"} or {@code "POST"}
     * @param url absolute {@code http://} (only for {@code aia}, {@code crl}, {@code ocsp})
     *     or {@code https://} URL
     * @param purpose {@code "aia"}, {@code "crl"}, {@code "ocsp"}, {@code "tsa"},
     *     {@code "trust-store"} or {@code "token"}
     * @param body the POST body, or null
     * @param timeoutMillis total time allowed, connection included
     * @param maxBytes a longer body is refused
     * @return the body of a 200 response, or null when the resource does not exist (404)
     * @throws Exception when no response could be obtained (reported with the URL)
     */
    byte[] fetch(String method, String url, String purpose, byte[] body, long timeoutMillis, long maxBytes)
            throws Exception;
}
