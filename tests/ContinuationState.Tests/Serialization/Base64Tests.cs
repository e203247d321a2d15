using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class Base64Tests
{
    [Theory]
    [InlineData("", new byte[0])]
    [InlineData("AA==", new byte[] { 0 })]
    [InlineData("AAE=", new byte[] { 0, 1 })]
    [InlineData("+/8A", new byte[] { 0xFB, 0xFF, 0x00 })]
    public void ValidBase64_IsDecoded(string text, byte[] expected)
    {
        Assert.True(ContinuationJson.TryDecodeBase64(text, out var bytes));
        Assert.Equal(expected, bytes);
        Assert.Equal(expected, ContinuationJson.DecodeBase64(text));
    }

    [Theory]
    [InlineData("AB C", "U+0020 at index 2")]
    [InlineData("AA==\n", "not a multiple of 4")]
    [InlineData(" AAA", "U+0020 at index 0")]
    [InlineData("AA", "not a multiple of 4")]
    [InlineData("AAE", "not a multiple of 4")]
    [InlineData("-_8A", "U+002D at index 0")]
    [InlineData("A=A=", "padding '=' at index 1")]
    [InlineData("A===", "padding '=' at index 1")]
    [InlineData("AB==", "unused bits")]
    [InlineData("AAF=", "unused bits")]
    public void NonStrictBase64_IsRefusedNamingTheProblem(string text, string problem)
    {
        Assert.False(ContinuationJson.TryDecodeBase64(text, out var bytes));
        Assert.Null(bytes);
        var exception = Assert.Throws<FormatException>(() => ContinuationJson.DecodeBase64(text));
        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_IsNotBase64()
    {
        Assert.False(ContinuationJson.TryDecodeBase64(null, out _));
        Assert.Throws<ArgumentNullException>(() => ContinuationJson.DecodeBase64(null!));
    }

    [Fact]
    public void ByteArray_RoundTripsThroughBase64()
    {
        var random = new Random(42);
        for (var length = 0; length < 64; length++)
        {
            var original = new byte[length];
            random.NextBytes(original);
            var node = ContinuationJson.ToJsonNode(new { data = original })!;
            Assert.Equal(original, ContinuationJson.DecodeBase64(node["data"]!.GetValue<string>()));
        }
    }
}
