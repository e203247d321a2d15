using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ContinuationState.Serialization;

/// <summary>Strict base64: the inverse of the byte-array rule.</summary>
public static partial class ContinuationJson
{
    private const string Base64AlphabetText = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static readonly SearchValues<char> Base64Alphabet = SearchValues.Create(Base64AlphabetText);

    /// <summary>
    /// Decodes base64 as <see cref="SerializeToUtf8Bytes"/> writes it, and nothing looser: the standard alphabet
    /// (<c>A–Z a–z 0–9 + /</c>), length a multiple of four, <c>=</c> padding only at the end, no whitespace, and
    /// zero unused bits before the padding, so each byte array has exactly one accepted text.
    /// </summary>
    /// <param name="text">The text to decode; <see langword="null"/> is not base64.</param>
    /// <param name="bytes">The decoded bytes when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is strict base64; otherwise <see langword="false"/>.</returns>
    public static bool TryDecodeBase64(string? text, [NotNullWhen(true)] out byte[]? bytes)
    {
        if (text is null || FindBase64Problem(text) is not null)
        {
            bytes = null;
            return false;
        }

        bytes = Convert.FromBase64String(text);
        return true;
    }

    /// <summary>Decodes strict base64, as <see cref="TryDecodeBase64"/> defines it.</summary>
    /// <param name="text">The text to decode.</param>
    /// <returns>The decoded bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not strict base64; the message names the problem and where it is.</exception>
    public static byte[] DecodeBase64(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (FindBase64Problem(text) is { } problem)
        {
            throw new FormatException($"The text is not strict base64: {problem}.");
        }

        return Convert.FromBase64String(text);
    }

    private static string? FindBase64Problem(string text)
    {
        if (text.Length % 4 != 0)
        {
            return $"its length {text.Length.ToString(CultureInfo.InvariantCulture)} is not a multiple of 4 (padding missing or wrong)";
        }

        var padding = text.EndsWith("==", StringComparison.Ordinal) ? 2 : text.EndsWith('=') ? 1 : 0;
        var data = text.AsSpan(0, text.Length - padding);
        if (data.IndexOfAnyExcept(Base64Alphabet) is >= 0 and var i)
        {
            var at = i.ToString(CultureInfo.InvariantCulture);
            var code = ((int)data[i]).ToString("X4", CultureInfo.InvariantCulture);
            return data[i] == '='
                ? $"padding '=' at index {at} is not at the end"
                : $"character U+{code} at index {at} is not in the standard base64 alphabet (A-Z, a-z, 0-9, '+', '/')";
        }

        // Canonical form: the bits the padding leaves unused must be zero, or two texts would decode alike.
        var lastValue = padding > 0 ? Base64AlphabetText.IndexOf(data[^1], StringComparison.Ordinal) : 0;
        return (lastValue & (padding == 2 ? 0x0F : 0x03)) != 0
            ? "the last character before the padding has non-zero unused bits (not canonical)"
            : null;
    }
}
