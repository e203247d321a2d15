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
        var i = 0;
        if (i < number.Length && number[i] == '-')
        {
            i++;
        }

        var integerDigits = 0;
        var fractionDigits = 0;
        var firstNonZero = -1; // index among all mantissa digits
        for (; i < number.Length && char.IsAsciiDigit((char)number[i]); i++, integerDigits++)
        {
            if (firstNonZero < 0 && number[i] != '0')
            {
                firstNonZero = integerDigits;
            }
        }

        if (i < number.Length && number[i] == '.')
        {
            for (i++; i < number.Length && char.IsAsciiDigit((char)number[i]); i++, fractionDigits++)
            {
                if (firstNonZero < 0 && number[i] != '0')
                {
                    firstNonZero = integerDigits + fractionDigits;
                }
            }
        }

        long exponent = 0;
        if (i < number.Length && (number[i] == 'e' || number[i] == 'E'))
        {
            i++;
            var negative = false;
            if (number[i] is (byte)'+' or (byte)'-')
            {
                negative = number[i] == '-';
                i++;
            }

            for (; i < number.Length; i++)
            {
                exponent = (exponent * 10) + (number[i] - '0');
                if (exponent > MaxExponentMagnitude)
                {
                    return false;
                }
            }

            exponent = negative ? -exponent : exponent;
        }

        if (fractionDigits - exponent > MaxFractionDigits)
        {
            return false;
        }

        // Digits left of the decimal point once the exponent is applied, counted from the first non-zero digit.
        return firstNonZero < 0 || integerDigits + exponent - firstNonZero <= MaxIntegerDigits;
    }
}
