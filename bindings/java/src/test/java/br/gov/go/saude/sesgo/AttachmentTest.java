package br.gov.go.saude.sesgo;

import static br.gov.go.saude.sesgo.SesgoTest.expectSesgo;
import static br.gov.go.saude.sesgo.SesgoTest.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signed attachments (profile anexo-assinado, extension hash-sha256). "laudo" = bGF1ZG8=;
 * the expected hashes were computed independently (Python hashlib).
 */
class AttachmentTest {
    static final String LAUDO_SHA1 = "rb4OJF2jlaTUZooaMBab6v+UYrQ=";
    static final String LAUDO_SHA256 = "MIpHjZSwVsvehN4KwhkTun5vv9vFSmeveaB4TJbuxMw=";
    static final String INLINE = "{\"contentType\":\"text/plain\",\"data\":\"bGF1ZG8=\","
            + "\"extension\":[{\"url\":\"http://example.org/peso\",\"valueDecimal\":1.50}]}";
    static final String URL_ATTACHMENT =
            "{\"contentType\":\"application/pdf\",\"url\":\"https://example.org/laudo.pdf\"}";

    @BeforeAll
    static void load() {
        NativeLibrary.load();
    }

    @Test
    void fillReturnsTheLibraryTextExactly() {
        String filled = Sesgo.fillAttachment(utf8(INLINE), null, null);
        assertEquals(
                "{\"contentType\":\"text/plain\",\"data\":\"bGF1ZG8=\",\"extension\":[{\"url\":\""
                        + Sesgo.HASH_SHA256_URL + "\",\"valueBase64Binary\":\"" + LAUDO_SHA256 + "\"},"
                        + "{\"url\":\"http://example.org/peso\",\"valueDecimal\":1.50}],"
                        + "\"size\":5,\"hash\":\"" + LAUDO_SHA1 + "\"}",
                filled);
        String oo = Sesgo.checkAttachment(utf8(filled), null, null);
        assertTrue(oo.contains("\"code\":\"VALIDATION.SUCCESS\""), oo);
        assertFalse(oo.contains("\"severity\":\"error\""), oo);
    }

    @Test
    void aTamperedAttachmentIsALocatedFinding() {
        String filled = Sesgo.fillAttachment(utf8(INLINE), null, null);
        String tampered = filled.replace("bGF1ZG8=", "bGF1ZGU="); // "laude": same size
        String loc = "DocumentReference.content[0].attachment";
        String oo = Sesgo.checkAttachment(utf8(tampered), null, "{\"location\":\"" + loc + "\"}");
        assertTrue(oo.contains("\"code\":\"CRYPTO.HASH-VERIFICATION-FAILED\""), oo);
        assertTrue(oo.contains("\"location\":[\"" + loc + ".hash\"]"), oo);
        assertTrue(oo.contains("\"location\":[\"" + loc + ".extension[0].valueBase64Binary\"]"), oo);
        assertFalse(oo.contains("VALIDATION.SUCCESS"), oo);
    }

    @Test
    void aUrlAttachmentTakesItsContent() {
        String filled = Sesgo.fillAttachment(utf8(URL_ATTACHMENT), utf8("%PDF-1.7"), null);
        assertTrue(filled.contains("\"size\":8,\"hash\":\"uvbBo/sl8K9aq7wyqoQeJ8sCUCA=\""), filled);
        assertTrue(filled.contains("hu26okgxut+gqLBLtBAUHi7kGCttABRJP+Jip6Mxwgs="), filled);
        assertTrue(Sesgo.checkAttachment(utf8(filled), utf8("%PDF-1.7"), null).contains("VALIDATION.SUCCESS"));
        String oo = Sesgo.checkAttachment(utf8(filled), utf8("%PDF-1.8"), null);
        assertTrue(oo.contains("\"location\":[\"Attachment.hash\"]"), oo);
        assertTrue(oo.contains("CRYPTO.HASH-VERIFICATION-FAILED"), oo);
        // An empty array is empty content, not "absent".
        assertTrue(Sesgo.fillAttachment(utf8(URL_ATTACHMENT), new byte[0], null)
                .contains("\"size\":0,\"hash\":\"2jmj7l5rSw0yVb/vlWAYkK/YBwk=\""));
    }

    @Test
    void unusableInputsThrowWithTheGuideCode() {
        expectSesgo(
                "CONFIG.MISSING-PARAMETER",
                "Attachment.url",
                () -> Sesgo.fillAttachment(utf8(URL_ATTACHMENT), null, null));
        expectSesgo(
                "FORMAT.BASE64-INVALID",
                "Attachment.data",
                () -> Sesgo.fillAttachment(utf8("{\"data\":\"bGF1ZG8\"}"), null, null));
        expectSesgo(
                "CONFIG.INVALID-PARAMETER",
                "Attachment.data",
                () -> Sesgo.checkAttachment(utf8(INLINE), utf8("laudo"), null));
        expectSesgo("CONFIG.INVALID-PARAMETER", "options.x", () -> Sesgo.checkAttachment(utf8(INLINE), null, "{\"x\":1}"));
        expectSesgo("FORMAT.RESOURCE-INVALID", "Attachment", () -> Sesgo.checkAttachment(utf8("[]"), null, null));
        expectSesgo("CONFIG.MISSING-PARAMETER", "attachment", () -> Native.checkAttachment(null, null, null));
        assertThrows(NullPointerException.class, () -> Sesgo.fillAttachment(null, null, null));
    }
}
