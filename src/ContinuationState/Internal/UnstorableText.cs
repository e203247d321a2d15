namespace ContinuationState.Internal;

/// <summary>
/// Where text stops being storable in PostgreSQL: at a U+0000, which text and jsonb refuse, or at an unpaired UTF-16
/// surrogate, which has no UTF-8 form. One search for the guards on keys and ids and for the JSON text policies.
/// </summary>
internal static class UnstorableText
{
    private const int FirstWindow = 256;

    /// <summary>The index of the first U+0000 or unpaired surrogate in <paramref name="text"/>, or -1 when there is none.</summary>
    public static int IndexOf(ReadOnlySpan<char> text)
    {
        // In windows that double, so a find costs about its distance: callers that replace or strip every find by
        // searching on after it stay linear, where each search for U+0000 running to the end made them quadratic.
        var from = 0;
        for (var window = FirstWindow; from < text.Length; window = (int)Math.Min(2L * window, Array.MaxLength))
        {
            var to = (int)Math.Min((long)from + window, text.Length);
            if (to < text.Length && char.IsHighSurrogate(text[to - 1]))
            {
                to++; // a pair is never split between two windows
            }

            if (IndexOf(text[..to], from) is >= 0 and var at)
            {
                return at;
            }

            from = to;
        }

        return -1;
    }

    /// <summary>The first find in <paramref name="text"/> at or after <paramref name="from"/>, or -1.</summary>
    private static int IndexOf(ReadOnlySpan<char> text, int from)
    {
        // Two vectorized searches, the second only up to the first U+0000: much faster than one search for either.
        var nul = text[from..].IndexOf('\0');
        var end = nul < 0 ? text.Length : from + nul;
        var at = text[from..end].IndexOfAnyInRange('\uD800', '\uDFFF');
        while (at >= 0)
        {
            at += from;
            if (!char.IsHighSurrogate(text[at]) || at + 1 >= end || !char.IsLowSurrogate(text[at + 1]))
            {
                return at;
            }

            // A pair (an emoji, say): one character, storable; look on after it.
            from = at + 2;
            at = text[from..end].IndexOfAnyInRange('\uD800', '\uDFFF');
        }

        return nul < 0 ? -1 : end;
    }
}
