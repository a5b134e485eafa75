package br.gov.go.saude.sesgo;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Passwords cross JNI as UTF-8 {@code byte[]}: encoded here without an intermediate
 * {@code String} (which could not be wiped), and wiped with {@link Arrays#fill} right
 * after the native call. The caller's {@code char[]} is left as given (JCA convention,
 * as {@code KeyStore.load}); wiping it is the caller's choice.
 */
final class Secrets {
    private Secrets() {}

    /** UTF-8 bytes of {@code password}, or null for null. */
    static byte[] utf8(char[] password) {
        if (password == null) {
            return null;
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer buffer;
        try {
            buffer = encoder.encode(CharBuffer.wrap(password));
        } catch (CharacterCodingException e) {
            // Unreachable with REPLACE; never include the password in the message.
            throw new IllegalArgumentException("password is not encodable as UTF-8");
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        if (buffer.hasArray()) {
            Arrays.fill(buffer.array(), (byte) 0);
        }
        return out;
    }

    /** Overwrites {@code secret} with zeros (null ignored). */
    static void wipe(byte[] secret) {
        if (secret != null) {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
