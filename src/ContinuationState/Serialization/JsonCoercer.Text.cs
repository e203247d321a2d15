using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace ContinuationState.Serialization;

/// <summary>Strings and object keys: the U+0000 and lone-surrogate policies, and writing long text in chunks.</summary>
internal sealed partial class JsonCoercer
{
    // Longer strings are transcoded and escaped in segments, so the budget is checked as they grow.
    private const int ChunkChars = 8192;
    private const int ChunkBytes = 3 * ChunkChars;

    private void WriteString(string text)
    {
        // UTF-8 needs at least one byte per UTF-16 unit and the quotes cost two, so this fails a huge string
        // before anything is copied or encoded.
        var minimumBytes = text.Length + 2L;
        if (_options.NulCharacters == NulCharacterPolicy.Strip)
        {
            minimumBytes -= text.AsSpan().Count('\0');
        }

        EnsureRoom(minimumBytes);
        var remaining = ApplyTextPolicies(text, keyOfCurrentObject: false).AsSpan();

        // Transcoded a chunk at a time (a pair is never split: the transcoder leaves a trailing high surrogate for
        // the next chunk), escaped, and checked against the budget as it grows.
        var chunk = _utf8Chunk ??= ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var quoted = BeginQuoted();
        try
        {
            while (!remaining.IsEmpty)
            {
                var final = remaining.Length <= ChunkChars;
                var status = Utf8.FromUtf16(final ? remaining : remaining[..ChunkChars], chunk, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: final);
                if (status is not (OperationStatus.Done or OperationStatus.NeedMoreData) || read == 0)
                {
                    // The text policies leave no unpaired surrogate; this would be a bug, not bad input.
                    throw new InvalidOperationException($"Transcoding a string stopped with {status} after {read} characters.");
                }

                JsonStringEscaper.Escape(chunk.AsSpan(0, written), quoted);
                remaining = remaining[read..];
                EnsureRoom(quoted.WrittenCount);
            }

            EndQuoted(quoted);
        }
        finally
        {
            quoted.Clear();
        }
    }

    /// <summary>
    /// Writes UTF-8 text that needs no policy (no U+0000, no unpaired surrogate: it came from valid UTF-8), escaped
    /// a segment at a time like <see cref="WriteString"/>.
    /// </summary>
    private void WriteUtf8String(ReadOnlySpan<byte> text)
    {
        // Escaping only ever lengthens the text.
        EnsureRoom(text.Length + 2L);
        var quoted = BeginQuoted();
        try
        {
            while (text.Length > ChunkBytes)
            {
                // Cut before a character's first byte, never inside its UTF-8 sequence.
                var length = ChunkBytes;
                while ((text[length] & 0xC0) == 0x80)
                {
                    length--;
                }

                JsonStringEscaper.Escape(text[..length], quoted);
                text = text[length..];
                EnsureRoom(quoted.WrittenCount);
            }

            JsonStringEscaper.Escape(text, quoted);
            EndQuoted(quoted);
        }
        finally
        {
            quoted.Clear();
        }
    }

    // A string is escaped into a scratch buffer between its quotes, then handed to the writer in one piece (which
    // puts in the comma or colon before it); the scratch is zeroed after each string, as it holds user text.
    private PooledBufferWriter BeginQuoted()
    {
        var quoted = _quoted ??= new PooledBufferWriter(256);
        JsonStringEscaper.Append("\""u8, quoted);
        return quoted;
    }

    private void EndQuoted(PooledBufferWriter quoted)
    {
        JsonStringEscaper.Append("\""u8, quoted);
        EnsureRoom(quoted.WrittenCount);
        _writer.WriteRawValue(quoted.WrittenSpan, skipInputValidation: true);
    }

    /// <summary>
    /// Starts member <paramref name="rawName"/> of the object being written: applies the text policies to the
    /// name, refuses a name already used in this object, writes it, and pushes it on the path.
    /// </summary>
    private void BeginMember(string rawName, HashSet<string> namesSoFar)
    {
        EnsureRoom(rawName.Length + 3L);
        var name = ApplyTextPolicies(rawName, keyOfCurrentObject: true);
        if (!namesSoFar.Add(name))
        {
            throw DuplicateKey(name);
        }

        _writer.WritePropertyName(name);
        _path.PushName(name);
    }

    private void EndMember() => _path.Pop();

    private ContinuationJsonException DuplicateKey(string name) => new(
        _path.WithName(name),
        "Two keys of this object become the same JSON key; jsonb would silently keep only one of them.");

    /// <summary>
    /// Returns <paramref name="text"/> with the policies applied (the same instance when nothing needs changing)
    /// or throws under a Reject policy. <paramref name="keyOfCurrentObject"/> says whether the text is a key of
    /// the object at the current path, for the path in the exception.
    /// </summary>
    private string ApplyTextPolicies(string text, bool keyOfCurrentObject)
    {
        var span = text.AsSpan();
        var index = IndexOfSuspect(span);
        if (index < 0)
        {
            return text;
        }

        StringBuilder? builder = null;
        var copiedUpTo = 0;
        while (index >= 0)
        {
            var c = span[index];
            if (char.IsHighSurrogate(c) && index + 1 < span.Length && char.IsLowSurrogate(span[index + 1]))
            {
                index += 2; // a valid pair: kept as is
            }
            else
            {
                string? replacement;
                if (c == '\0')
                {
                    replacement = _options.NulCharacters == NulCharacterPolicy.Strip
                        ? string.Empty
                        : throw TextProblem(text, keyOfCurrentObject, index, "U+0000, which PostgreSQL jsonb cannot store (NulCharacterPolicy.Reject)");
                }
                else
                {
                    replacement = _options.LoneSurrogates == LoneSurrogatePolicy.Replace
                        ? "\uFFFD"
                        : throw TextProblem(
                            text,
                            keyOfCurrentObject,
                            index,
                            $"an unpaired surrogate U+{(int)c:X4}, which has no UTF-8 form (LoneSurrogatePolicy.Reject)");
                }

                builder ??= new StringBuilder(text.Length);
                builder.Append(span[copiedUpTo..index]).Append(replacement);
                copiedUpTo = ++index;
            }

            var next = IndexOfSuspect(span[index..]);
            index = next < 0 ? -1 : index + next;
        }

        return builder is null ? text : builder.Append(span[copiedUpTo..]).ToString();
    }

    private ContinuationJsonException TextProblem(string text, bool keyOfCurrentObject, int index, string problem)
    {
        var what = keyOfCurrentObject ? "An object key" : "A string";
        var position = index.ToString(CultureInfo.InvariantCulture);
        return new ContinuationJsonException(
            keyOfCurrentObject ? _path.WithName(text) : _path.ToString(),
            $"{what} contains {problem} at UTF-16 index {position}.");
    }

    /// <summary>
    /// The first U+0000 or surrogate (surrogates are then checked for a partner one by one): two vectorized searches,
    /// the second only up to the first, which beat one search for 2,049 characters by far.
    /// </summary>
    private static int IndexOfSuspect(ReadOnlySpan<char> text)
    {
        var nul = text.IndexOf('\0');
        var surrogate = (nul < 0 ? text : text[..nul]).IndexOfAnyInRange('\uD800', '\uDFFF');
        return surrogate >= 0 ? surrogate : nul;
    }
}
