using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class ContinuationJsonOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedValues()
    {
        var options = new ContinuationJsonOptions();
        Assert.Equal(NulCharacterPolicy.Reject, options.NulCharacters);
        Assert.Equal(LoneSurrogatePolicy.Reject, options.LoneSurrogates);
        Assert.Equal(512, options.MaxDepth);
        Assert.Equal(64L * 1024 * 1024, options.MaxBytes);
        Assert.Null(options.SerializerOptions);
    }

    [Fact]
    public void DefaultInstance_IsReadOnly()
    {
        Assert.Throws<InvalidOperationException>(() => ContinuationJsonOptions.Default.MaxDepth = 10);
        Assert.Throws<InvalidOperationException>(() => ContinuationJsonOptions.Default.NulCharacters = NulCharacterPolicy.Strip);
        Assert.Same(ContinuationJsonOptions.Default, ContinuationJsonOptions.Default);
        Assert.Equal(512, ContinuationJsonOptions.Default.MaxDepth);
    }

    [Fact]
    public void InvalidValues_AreRefused()
    {
        var options = new ContinuationJsonOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxDepth = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxBytes = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.NulCharacters = (NulCharacterPolicy)9);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.LoneSurrogates = (LoneSurrogatePolicy)9);
    }

    [Fact]
    public void SerializerOptionsWithoutResolver_AreUsable()
    {
        var options = new ContinuationJsonOptions { SerializerOptions = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase } };
        JsonAssert.Coerces("""{"firstName":"a"}""", new Person("a"), options);
    }

    private sealed record Person(string FirstName);
}
