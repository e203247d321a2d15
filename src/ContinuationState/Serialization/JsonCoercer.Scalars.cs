using System.Globalization;
using System.Numerics;

namespace ContinuationState.Serialization;

/// <summary>Numbers, enums, byte arrays, and the scalars written as fixed-format strings.</summary>
internal sealed partial class JsonCoercer
{
    /// <summary>
    /// The string form of scalars written as JSON strings in a fixed, culture-independent format; null for every
    /// other value. Shared by values and dictionary keys so both spell a date or a Guid the same way.
    /// </summary>
    private static string? FormatFixedString(object value) => value switch
    {
        // The exact digits, trailing zeros included (1.10m is "1.10"): what Python's str(Decimal) gives DocsGPT.
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        Guid guid => guid.ToString("D", CultureInfo.InvariantCulture),
        DateTime dateTime => dateTime.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset dateTimeOffset => dateTimeOffset.ToString("O", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>
    /// The text of a number or bool used as a dictionary key (invariant culture, shortest round-trip for floating
    /// point), or null when <paramref name="value"/> is neither.
    /// </summary>
    private string? FormatNumberOrBoolean(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        double number => FormatFloat(number),
        float number => FormatFloat(number),
        Half number => FormatFloat(number),
        int or long or uint or ulong or short or ushort or byte or sbyte or Int128 or UInt128 or BigInteger =>
            ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Shortest text that round-trips (the .NET Core 3.0+ default), e.g. <c>0.1</c>, <c>1E-05</c>.</summary>
    private string FormatFloat<T>(T number)
        where T : IFloatingPointIeee754<T> => RequireFinite(number).ToString(null, CultureInfo.InvariantCulture);

    private T RequireFinite<T>(T number)
        where T : IFloatingPointIeee754<T>
    {
        if (!T.IsFinite(number))
        {
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The number {number.ToString(null, CultureInfo.InvariantCulture)} has no JSON form; JSON numbers are finite.");
        }

        return number;
    }

    private void WriteBigInteger(IFormattable number)
    {
        var digits = number.ToString(null, CultureInfo.InvariantCulture);
        if (digits.Length - (digits[0] == '-' ? 1 : 0) > PostgresNumeric.MaxIntegerDigits)
        {
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The integer has more than {PostgresNumeric.MaxIntegerDigits} digits, more than PostgreSQL numeric can store.");
        }

        EnsureRoom(digits.Length);
        WriteRawNumber(digits);
    }

    private void WriteRawNumber(string digits) => _writer.WriteRawValue(digits, skipInputValidation: true);

    private void WriteEnum(Enum value)
    {
        // Enum.ToString gives the member name, "A, B" for a [Flags] combination, and the number itself when no
        // name matches; names cannot start with a digit or '-', so that case is recognisable.
        var name = value.ToString();
        if (IsUnnamedEnumValue(name))
        {
            WriteRawNumber(name);
        }
        else
        {
            WriteString(name);
        }
    }

    private static bool IsUnnamedEnumValue(string text) => text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] == '-');

    private void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(((bytes.Length + 2L) / 3 * 4) + 2);
        _writer.WriteBase64StringValue(bytes);
    }
}
