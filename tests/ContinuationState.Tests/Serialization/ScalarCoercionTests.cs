using System.Numerics;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class ScalarCoercionTests
{
    [Flags]
    private enum Access
    {
        None = 0,
        Read = 1,
        Write = 2,
    }

    private enum Color
    {
        Red,
        Green,
    }

    [Fact]
    public void Null_IsWrittenAsNull() => Assert.Equal("null", JsonAssert.Serialize(null));

    [Fact]
    public void Booleans_AreWrittenAsJsonLiterals() => Assert.Equal("[true,false]", JsonAssert.Serialize(new[] { true, false }));

    [Fact]
    public void String_IsWrittenCompactlyWithNonAsciiAsUtf8()
    {
        Assert.Equal("\"héllo <b>\\\"x\\\"</b>\"", JsonAssert.Serialize("héllo <b>\"x\"</b>"));
    }

    [Fact]
    public void Char_IsWrittenAsAOneCharacterString() => Assert.Equal("\"x\"", JsonAssert.Serialize('x'));

    [Fact]
    public void IntegersOfEveryWidth_AreWrittenAsNumbers()
    {
        object[] values =
        [
            (sbyte)-8, (byte)8, (short)-16, (ushort)16, -32, 32u, long.MinValue, ulong.MaxValue,
            Int128.MinValue, UInt128.MaxValue, BigInteger.Parse("123456789012345678901234567890123456789012345678901234567890", System.Globalization.CultureInfo.InvariantCulture),
        ];

        Assert.Equal(
            "[-8,8,-16,16,-32,32,-9223372036854775808,18446744073709551615,"
            + "-170141183460469231731687303715884105728,340282366920938463463374607431768211455,"
            + "123456789012345678901234567890123456789012345678901234567890]",
            JsonAssert.Serialize(values));
    }

    [Fact]
    public void FloatingPoint_IsWrittenInShortestRoundTripForm()
    {
        Assert.Equal("[0.1,0.1,0.1,1E-07,-0]", JsonAssert.Serialize(new object[] { 0.1, 0.1f, (Half)0.1, 1e-7, -0.0 }));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteDouble_IsRejectedWithItsExactPath(double number)
    {
        var value = new { messages = new object[] { "a", new { score = number } } };
        var exception = JsonAssert.Rejects(value, "$.messages[1].score");
        Assert.Contains("finite", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteFloatAndHalf_AreRejected()
    {
        JsonAssert.Rejects(new[] { float.NaN }, "$[0]");
        JsonAssert.Rejects(new { h = Half.PositiveInfinity }, "$.h");
    }

    [Fact]
    public void Decimal_IsWrittenAsItsExactString()
    {
        Assert.Equal("[\"1.10\",\"-0.000000001\",\"79228162514264337593543950335\"]", JsonAssert.Serialize(new[] { 1.10m, -0.000000001m, decimal.MaxValue }));
    }

    [Fact]
    public void Guid_IsWrittenInCanonicalDFormat()
    {
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Equal("\"0f8fad5b-d9cb-469f-a165-70867728950e\"", JsonAssert.Serialize(guid));
    }

    [Fact]
    public void DateTimeAndDateTimeOffset_AreWrittenInRoundTripFormat()
    {
        var utc = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234567);
        var offset = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));
        Assert.Equal(
            "[\"2024-05-06T07:08:09.1234567Z\",\"2024-05-06T07:08:09.0000000+02:00\"]",
            JsonAssert.Serialize(new object[] { utc, offset }));
    }

    [Fact]
    public void DateOnlyTimeOnlyAndTimeSpan_AreWrittenInTheirDocumentedFormats()
    {
        object[] values =
        [
            new DateOnly(2024, 1, 31),
            new TimeOnly(13, 5, 7),
            new TimeOnly(13, 5, 7, 120),
            TimeSpan.FromDays(-1.5),
            new TimeSpan(0, 0, 1, 2, 500),
        ];

        Assert.Equal(
            "[\"2024-01-31\",\"13:05:07\",\"13:05:07.12\",\"-1.12:00:00\",\"00:01:02.5000000\"]",
            JsonAssert.Serialize(values));
    }

    [Fact]
    public void Enum_IsWrittenByName()
    {
        Assert.Equal("[\"Green\",\"Read, Write\",\"None\"]", JsonAssert.Serialize(new object[] { Color.Green, Access.Read | Access.Write, Access.None }));
    }

    [Fact]
    public void EnumValueWithoutAName_IsWrittenAsItsNumber()
    {
        Assert.Equal("[7,-1]", JsonAssert.Serialize(new object[] { (Color)7, (Color)(-1) }));
    }

    [Fact]
    public void ByteSequences_AreWrittenAsStandardBase64()
    {
        byte[] bytes = [0xFB, 0xFF, 0x00, 0x10];
        object[] values = [bytes, new ReadOnlyMemory<byte>(bytes), new Memory<byte>(bytes), new ArraySegment<byte>(bytes, 1, 2), Array.Empty<byte>()];
        Assert.Equal("[\"+/8AEA==\",\"+/8AEA==\",\"+/8AEA==\",\"/wA=\",\"\"]", JsonAssert.Serialize(values));
    }

    [Fact]
    public void Uri_IsWrittenByItsSystemTextJsonConverter()
    {
        Assert.Equal("\"https://example.com/a?b=c\"", JsonAssert.Serialize(new Uri("https://example.com/a?b=c")));
    }

    [Fact]
    public void HugeBigInteger_IsRejectedBecausePostgresNumericCannotHoldIt()
    {
        JsonAssert.Rejects(new { n = BigInteger.Pow(10, 131072) }, "$.n");
        Assert.StartsWith("1", JsonAssert.Serialize(BigInteger.Pow(10, 131071)), StringComparison.Ordinal);
        Assert.StartsWith("-9", JsonAssert.Serialize(1 - BigInteger.Pow(10, 131072)), StringComparison.Ordinal);
    }

    [Fact]
    public void VeryLargeBigInteger_IsRefusedBeforeItIsFormatted()
    {
        // Formatting 4 million bits takes tens of seconds; its size alone says numeric cannot hold it.
        var exception = JsonAssert.Rejects(new { n = BigInteger.One << 4_000_000 }, "$.n");
        Assert.Contains("131072 digits", exception.Message, StringComparison.Ordinal);

        var options = new ContinuationJsonOptions { MaxBytes = 1_000 };
        Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes(new { n = BigInteger.Pow(10, 100_000) }, options));
    }
}
