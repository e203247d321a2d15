using System.Text;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class TextPolicyTests
{
    private static readonly ContinuationJsonOptions Strip = new() { NulCharacters = NulCharacterPolicy.Strip };
    private static readonly ContinuationJsonOptions Replace = new() { LoneSurrogates = LoneSurrogatePolicy.Replace };

    [Fact]
    public void NulInString_IsRejectedByDefaultWithThePath()
    {
        var value = new { messages = new[] { new { content = "ok" }, new { content = "a\0b" } } };
        var exception = JsonAssert.Rejects(value, "$.messages[1].content");
        Assert.Contains("U+0000", exception.Message, StringComparison.Ordinal);
        Assert.Contains("index 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NulInKey_IsRejectedByDefaultWithThePath()
    {
        var value = new { args = new Dictionary<string, int> { ["a\0b"] = 1 } };
        JsonAssert.Rejects(value, "$.args['a\\u0000b']");
    }

    [Fact]
    public void NulInString_IsStrippedWhenConfigured()
    {
        Assert.Equal("""["abc",""]""", JsonAssert.Serialize(new[] { "a\0b\0c", "\0" }, Strip));
    }

    [Fact]
    public void NulInKey_IsStrippedWhenConfigured()
    {
        Assert.Equal("""{"ab":1}""", JsonAssert.Serialize(new Dictionary<string, int> { ["a\0b"] = 1 }, Strip));
    }

    [Fact]
    public void KeysThatCollideAfterStripping_AreRejected()
    {
        var value = new Dictionary<string, int> { ["ab"] = 1, ["a\0b"] = 2 };
        JsonAssert.Rejects(value, "$.ab", Strip);
    }

    [Fact]
    public void LoneHighAndLowSurrogates_AreRejectedByDefaultWithThePath()
    {
        // Not [InlineData]: xunit's discovery does not carry invalid UTF-16 through intact.
        (string Text, int Index)[] cases = [("x\uD800", 1), ("\uD800x", 0), ("x\uDC00y", 1), ("\uDE00\uD83D", 0), ("\uD83D\uDE00\uDE00", 2)];
        foreach (var (text, index) in cases)
        {
            var exception = JsonAssert.Rejects(new { text }, "$.text");
            Assert.Contains($"index {index}", exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LoneSurrogateChar_IsRejected() => JsonAssert.Rejects(new[] { '\uD800' }, "$[0]");

    [Fact]
    public void LoneSurrogateInKey_IsRejectedWithThePath()
    {
        JsonAssert.Rejects(new Dictionary<string, int> { ["k\uDC00"] = 1 }, "$['k\\udc00']");
    }

    [Fact]
    public void LoneHighAndLowSurrogates_AreReplacedWhenConfigured()
    {
        var json = JsonAssert.Serialize(new Dictionary<string, string> { ["k\uD800"] = "a\uDC00b\uD800" }, Replace);
        Assert.Equal("{\"k\uFFFD\":\"a\uFFFDb\uFFFD\"}", json);
    }

    [Fact]
    public void ValidSurrogatePair_IsKept()
    {
        var json = JsonAssert.Serialize("smile \U0001F600");
        Assert.Equal("smile \U0001F600", System.Text.Json.JsonDocument.Parse(json).RootElement.GetString());
    }

    [Fact]
    public void LongStringWithPairsAtChunkBoundaries_IsWrittenIntact()
    {
        var text = new StringBuilder().Insert(0, "a\U0001F600", 10_000).ToString();
        var json = JsonAssert.Serialize(text);
        Assert.Equal(text, System.Text.Json.JsonDocument.Parse(json).RootElement.GetString());
    }

    [Fact]
    public void ProblemsInLongStrings_AreFoundAnywhere()
    {
        var text = new string('x', 100_000) + "\0";
        var exception = JsonAssert.Rejects(text, "$");
        Assert.Contains("index 100000", exception.Message, StringComparison.Ordinal);
        Assert.Equal($"\"{new string('x', 100_000)}\"", JsonAssert.Serialize(text, Strip));
    }

    [Fact]
    public void PairsAndProblems_AreFoundAtEveryOffset_AcrossTheSearchWindows()
    {
        // The search looks in windows that double from 256 characters: a pair may straddle any boundary, a problem may sit on it.
        for (var offset = 0; offset < 1_900; offset++)
        {
            var before = new string('x', offset);
            var pair = before + "\U0001F600" + "tail";
            Assert.Equal(pair, System.Text.Json.JsonDocument.Parse(JsonAssert.Serialize(pair)).RootElement.GetString());

            foreach (var problem in new[] { "\uD800", "\uDC00", "\0" })
            {
                var exception = JsonAssert.Rejects(before + problem + "tail", "$");
                Assert.Contains($"index {offset}.", exception.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void EveryProblemInALongRun_IsReplacedOrStripped()
    {
        var lone = string.Concat(Enumerable.Repeat("\uD800a\uDC00b", 20_000));
        Assert.Equal(string.Concat(Enumerable.Repeat("\uFFFDa\uFFFDb", 20_000)), System.Text.Json.JsonDocument.Parse(JsonAssert.Serialize(lone, Replace)).RootElement.GetString());
        Assert.Equal(new string('b', 20_000), System.Text.Json.JsonDocument.Parse(JsonAssert.Serialize(string.Concat(Enumerable.Repeat("\0b\0", 20_000)), Strip)).RootElement.GetString());
    }

    [Fact]
    public void MemoryOfCharsOrStrings_IsAnArrayOfItsItems_UnderThePolicies()
    {
        Assert.Equal("""["a","b"]""", JsonAssert.Serialize("ab".AsMemory()));
        Assert.Equal("""["x","y"]""", JsonAssert.Serialize(new Memory<string>(["x", "y"])));
        JsonAssert.Rejects(new { chars = "a\uD800".AsMemory() }, "$.chars[1]");
        JsonAssert.Rejects(new { texts = new ReadOnlyMemory<string>(["ok", "a\0"]) }, "$.texts[1]");
    }
}
