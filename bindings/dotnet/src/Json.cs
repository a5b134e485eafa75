using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// A JSON value read from what libsesgo returned, keeping each value's exact text
    /// (<see cref="Raw"/>): numbers are never converted, so <c>36.50</c> stays <c>36.50</c>.
    /// Only used to split the library's result envelopes (netstandard2.0 has no JSON reader,
    /// and the binding takes no dependency).
    /// </summary>
    internal sealed class JsonValue
    {
        internal enum Kind
        {
            Object,
            Array,
            String,
            Number,
            True,
            False,
            Null,
        }

        internal readonly Kind Type;
        internal readonly string Raw;
        internal readonly string Text;
        internal readonly List<KeyValuePair<string, JsonValue>> Members;
        internal readonly List<JsonValue> Items;

        private JsonValue(Kind type, string raw, string text, List<KeyValuePair<string, JsonValue>> members, List<JsonValue> items)
        {
            Type = type;
            Raw = raw;
            Text = text;
            Members = members;
            Items = items;
        }

        /// <summary>The first member named <paramref name="name"/>, or null.</summary>
        internal JsonValue Get(string name)
        {
            if (Members == null)
            {
                return null;
            }
            foreach (var m in Members)
            {
                if (m.Key == name)
                {
                    return m.Value;
                }
            }
            return null;
        }

        /// <summary>The string value of member <paramref name="name"/>, or null.</summary>
        internal string GetString(string name)
        {
            JsonValue v = Get(name);
            return v != null && v.Type == Kind.String ? v.Text : null;
        }

        internal static JsonValue Parse(string text)
        {
            var p = new Parser(text);
            p.SkipSpace();
            JsonValue v = p.Value(0);
            p.SkipSpace();
            if (p.Pos != text.Length)
            {
                throw p.Fail("texto após o valor");
            }
            return v;
        }

        private sealed class Parser
        {
            private const int MaxDepth = 512;
            private readonly string s;
            internal int Pos;

            internal Parser(string s)
            {
                this.s = s;
            }

            internal FormatException Fail(string what)
            {
                return new FormatException("JSON inválido na posição " + Pos + ": " + what);
            }

            internal void SkipSpace()
            {
                while (Pos < s.Length && (s[Pos] == ' ' || s[Pos] == '\t' || s[Pos] == '\n' || s[Pos] == '\r'))
                {
                    Pos++;
                }
            }

            private void Expect(char c)
            {
                if (Pos >= s.Length || s[Pos] != c)
                {
                    throw Fail("esperado '" + c + "'");
                }
                Pos++;
            }

            internal JsonValue Value(int depth)
            {
                if (depth > MaxDepth)
                {
                    throw Fail("aninhamento profundo demais");
                }
                if (Pos >= s.Length)
                {
                    throw Fail("fim inesperado");
                }
                int start = Pos;
                char c = s[Pos];
                switch (c)
                {
                    case '{':
                        {
                            Pos++;
                            var members = new List<KeyValuePair<string, JsonValue>>();
                            SkipSpace();
                            if (Pos < s.Length && s[Pos] == '}')
                            {
                                Pos++;
                            }
                            else
                            {
                                while (true)
                                {
                                    SkipSpace();
                                    string key = String();
                                    SkipSpace();
                                    Expect(':');
                                    SkipSpace();
                                    JsonValue v = Value(depth + 1);
                                    members.Add(new KeyValuePair<string, JsonValue>(key, v));
                                    SkipSpace();
                                    if (Pos < s.Length && s[Pos] == ',')
                                    {
                                        Pos++;
                                        continue;
                                    }
                                    Expect('}');
                                    break;
                                }
                            }
                            return new JsonValue(Kind.Object, s.Substring(start, Pos - start), null, members, null);
                        }
                    case '[':
                        {
                            Pos++;
                            var items = new List<JsonValue>();
                            SkipSpace();
                            if (Pos < s.Length && s[Pos] == ']')
                            {
                                Pos++;
                            }
                            else
                            {
                                while (true)
                                {
                                    SkipSpace();
                                    items.Add(Value(depth + 1));
                                    SkipSpace();
                                    if (Pos < s.Length && s[Pos] == ',')
                                    {
                                        Pos++;
                                        continue;
                                    }
                                    Expect(']');
                                    break;
                                }
                            }
                            return new JsonValue(Kind.Array, s.Substring(start, Pos - start), null, null, items);
                        }
                    case '"':
                        {
                            string text = String();
                            return new JsonValue(Kind.String, s.Substring(start, Pos - start), text, null, null);
                        }
                    case 't':
                        Literal("true");
                        return new JsonValue(Kind.True, "true", null, null, null);
                    case 'f':
                        Literal("false");
                        return new JsonValue(Kind.False, "false", null, null, null);
                    case 'n':
                        Literal("null");
                        return new JsonValue(Kind.Null, "null", null, null, null);
                    default:
                        if (c == '-' || (c >= '0' && c <= '9'))
                        {
                            Pos++;
                            while (Pos < s.Length && "0123456789+-.eE".IndexOf(s[Pos]) >= 0)
                            {
                                Pos++;
                            }
                            string raw = s.Substring(start, Pos - start);
                            return new JsonValue(Kind.Number, raw, raw, null, null);
                        }
                        throw Fail("valor inesperado");
                }
            }

            private void Literal(string word)
            {
                if (string.CompareOrdinal(s, Pos, word, 0, word.Length) != 0)
                {
                    throw Fail("esperado " + word);
                }
                Pos += word.Length;
            }

            private string String()
            {
                Expect('"');
                var sb = new StringBuilder();
                while (true)
                {
                    if (Pos >= s.Length)
                    {
                        throw Fail("texto não terminado");
                    }
                    char c = s[Pos++];
                    if (c == '"')
                    {
                        return sb.ToString();
                    }
                    if (c != '\\')
                    {
                        sb.Append(c);
                        continue;
                    }
                    if (Pos >= s.Length)
                    {
                        throw Fail("escape não terminado");
                    }
                    char e = s[Pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            int code;
                            if (Pos + 4 > s.Length
                                || !int.TryParse(s.Substring(Pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
                            {
                                throw Fail("escape \\u inválido");
                            }
                            sb.Append((char)code);
                            Pos += 4;
                            break;
                        default:
                            throw Fail("escape inválido");
                    }
                }
            }
        }
    }

    /// <summary>JSON text written by the binding (trust-store options, minimal OperationOutcomes).</summary>
    internal static class Json
    {
        /// <summary>Appends <paramref name="value"/> as a JSON string literal.</summary>
        internal static void AppendString(StringBuilder sb, string value)
        {
            sb.Append('"');
            foreach (char c in value ?? "")
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            sb.Append(c);
                        }
                        break;
                }
            }
            sb.Append('"');
        }

        internal static string String(string value)
        {
            var sb = new StringBuilder();
            AppendString(sb, value);
            return sb.ToString();
        }
    }
}
