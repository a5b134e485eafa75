using System;
using System.Collections.Generic;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// The signature policies of the loaded native library (<c>sesgo_policies()</c>:
    /// <c>{"default":uri,"policies":[{"uri":uri,"family":…},…]}</c>), read once. The binding
    /// repeats no policy URI: a new policy in the library is a new entry here.
    /// </summary>
    internal sealed class PolicyCatalog
    {
        private static readonly object Gate = new object();
        private static PolicyCatalog loaded;

        internal readonly IReadOnlyList<string> Uris;
        internal readonly string Default;

        private PolicyCatalog(IReadOnlyList<string> uris, string defaultUri)
        {
            Uris = uris;
            Default = defaultUri;
        }

        /// <summary>The catalog, read from the native library on first use.</summary>
        /// <exception cref="SesgoException">the library cannot be loaded, or its catalog is unusable</exception>
        internal static PolicyCatalog Load()
        {
            lock (Gate)
            {
                if (loaded == null)
                {
                    loaded = Parse(Utf8.FromNative(Native.Api.Policies()));
                }
                return loaded;
            }
        }

        internal static PolicyCatalog Parse(string json)
        {
            JsonValue root = JsonValue.Parse(json);
            JsonValue policies = root == null ? null : root.Get("policies");
            string defaultUri = root == null ? null : root.GetString("default");
            var uris = new List<string>();
            if (policies != null && policies.Items != null)
            {
                foreach (JsonValue p in policies.Items)
                {
                    string uri = p.GetString("uri");
                    if (uri != null)
                    {
                        uris.Add(uri);
                    }
                }
            }
            if (uris.Count == 0 || defaultUri == null || !uris.Contains(defaultUri))
            {
                throw SesgoException.Managed(
                    SesgoStatus.System, null, "catálogo de políticas da biblioteca nativa ilegível: " + json, null);
            }
            return new PolicyCatalog(uris.AsReadOnly(), defaultUri);
        }

        /// <summary>
        /// The URI of the policy of <paramref name="version"/> (the URI's last segment after
        /// <c>|</c> or <c>/</c>), or null when the library cannot be loaded (every call then
        /// throws its <see cref="SesgoException"/>, see <see cref="SesgoLibrary"/>).
        /// </summary>
        internal static string UriOf(string version)
        {
            PolicyCatalog c;
            try
            {
                c = Load();
            }
            catch (SesgoException)
            {
                return null;
            }
            foreach (string uri in c.Uris)
            {
                if (uri.EndsWith("|" + version, StringComparison.Ordinal)
                    || uri.EndsWith("/" + version, StringComparison.Ordinal))
                {
                    return uri;
                }
            }
            return null;
        }
    }
}
