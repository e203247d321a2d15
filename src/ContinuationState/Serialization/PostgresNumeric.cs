namespace ContinuationState.Serialization;

/// <summary>
/// Whether a JSON number fits PostgreSQL's <c>numeric</c>, which is how <c>jsonb</c> stores numbers: at most
/// 131072 digits before the decimal point and 16383 after it. JSON text from outside (a model's tool arguments,
/// say) can hold <c>1e999999</c>, which PostgreSQL refuses with "value overflows numeric format".
/// </summary>
internal static class PostgresNumeric
{
    internal const int MaxIntegerDigits = 131072;
    internal const int MaxFractionDigits = 16383;

    // Far beyond what the digit limits allow for any non-zero number; bounds zero's exponent too, which PostgreSQL
    // also rejects when huge, and keeps the arithmetic below in range.
    private const long MaxExponentMagnitude = 1_000_000;

    /// <summary>Checks a number already validated as JSON (RFC 8259 grammar).</summary>
    public static bool Fits(ReadOnlySpan<byte> number)
    {
        var exponentAt = number.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = (exponentAt < 0 ? number : number[..exponentAt]).TrimStart((byte)'-');
        var point = mantissa.IndexOf((byte)'.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        var fractionDigits = point < 0 ? 0 : mantissa.Length - point - 1;

        // Index of the first non-zero digit among all mantissa digits, or -1 for zero.
        var firstNonZero = mantissa.IndexOfAnyExcept((byte)'0', (byte)'.');
        firstNonZero = firstNonZero < 0 ? -1 : firstNonZero - (point >= 0 && firstNonZero > point ? 1 : 0);

        long exponent = 0;
        if (exponentAt >= 0)
        {
            var digits = number[(exponentAt + 1)..];
            var negative = digits[0] == '-';
            foreach (var digit in digits.TrimStart("+-"u8))
            {
                exponent = (exponent * 10) + (digit - '0');
                if (exponent > MaxExponentMagnitude)
                {
                    return false;
                }
            }

            exponent = negative ? -exponent : exponent;
        }

        // Digits left of the decimal point once the exponent is applied, counted from the first non-zero digit.
        return fractionDigits - exponent <= MaxFractionDigits && (firstNonZero < 0 || integerDigits + exponent - firstNonZero <= MaxIntegerDigits);
    }
}
