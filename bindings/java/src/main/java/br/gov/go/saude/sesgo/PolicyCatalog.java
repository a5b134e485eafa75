package br.gov.go.saude.sesgo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The signature policies of the loaded native library ({@code Native.policies()}:
 * {@code {"default":uri,"policies":[{"uri":uri,"family":...},...]}}), read once. The
 * binding repeats no policy URI: a new policy in the library is a new entry here.
 */
final class PolicyCatalog {
    private static final Object LOCK = new Object();
    private static PolicyCatalog loaded;

    final List<String> uris;
    final String defaultUri;

    private PolicyCatalog(List<String> uris, String defaultUri) {
        this.uris = uris;
        this.defaultUri = defaultUri;
    }

    /**
     * The catalog, read from the native library on first use.
     *
     * @throws SesgoException if the library cannot be loaded or its catalog is unusable
     */
    static PolicyCatalog load() {
        synchronized (LOCK) {
            if (loaded == null) {
                NativeLibrary.load();
                loaded = parse(Native.policies());
            }
            return loaded;
        }
    }

    /** Reads the catalog JSON (URIs are plain ASCII without escapes). */
    static PolicyCatalog parse(String json) {
        List<String> uris = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"uri\":\"([^\"\\\\]*)\"").matcher(json);
        while (m.find()) {
            uris.add(m.group(1));
        }
        Matcher d = Pattern.compile("^\\{\"default\":\"([^\"\\\\]*)\"").matcher(json);
        if (uris.isEmpty() || !d.find() || !uris.contains(d.group(1))) {
            throw NativeLibrary.system("SYSTEM", "catálogo de políticas da biblioteca nativa ilegível: " + json);
        }
        return new PolicyCatalog(Collections.unmodifiableList(uris), d.group(1));
    }

    /**
     * The URI of the policy of {@code version} (the URI's last segment after {@code |} or
     * {@code /}), or null when the native library cannot be loaded (every call then throws
     * its {@link SesgoException}, remembered by {@link NativeLibrary}).
     */
    static String uriOf(String version) {
        PolicyCatalog c;
        try {
            c = load();
        } catch (SesgoException e) {
            return null;
        }
        for (String uri : c.uris) {
            if (uri.endsWith("|" + version) || uri.endsWith("/" + version)) {
                return uri;
            }
        }
        return null;
    }
}
