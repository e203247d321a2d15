using System.Text;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class StructureLimitTests
{
    [Fact]
    public void Cycle_IsRejectedWithThePathWhereTheObjectReappears()
    {
        var root = new Node { Name = "root" };
        root.Children.Add(new Node { Name = "child" });
        root.Children[0].Children.Add(root);
        var exception = JsonAssert.Rejects(new { tree = root }, "$.tree.Children[0].Children[0]");
        Assert.Contains("cycle", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListContainingItself_IsRejected()
    {
        var list = new List<object>();
        list.Add(list);
        JsonAssert.Rejects(list, "$[0]");
    }

    [Fact]
    public void DictionaryKeyContainingTheDictionary_IsRejectedAsCycle()
    {
        var holder = new KeyHolder();
        var dictionary = new Dictionary<KeyHolder, int> { [holder] = 1 };
        holder.Owner = dictionary;
        Assert.Throws<ContinuationJsonException>(() => ContinuationJson.SerializeToUtf8Bytes(dictionary));
    }

    [Fact]
    public void AfterAWideObject_TheNextObjectAtItsDepthGetsASmallNameSet()
    {
        // Clearing a set costs its capacity: reusing the wide object's set made each later small object pay for it again.
        List<HashSet<string>> sets = [];
        var wide = JsonCoercer.MemberNamesAt(sets, 1);
        for (var i = 0; i < 10_000; i++)
        {
            wide.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var next = JsonCoercer.MemberNamesAt(sets, 1);
        Assert.NotSame(wide, next);
        Assert.Empty(next);
        Assert.True(next.EnsureCapacity(0) < 100, $"capacity {next.EnsureCapacity(0)}");

        next.Add("a");
        Assert.Same(next, JsonCoercer.MemberNamesAt(sets, 1)); // small sets are reused, cleared
        Assert.Empty(sets[1]);
    }

    [Fact]
    public void WideObjectThenManySmallOnes_AreWrittenWholeWithDuplicatesStillFound()
    {
        var wide = Enumerable.Range(0, 1_000).ToDictionary(i => $"k{i}", i => i);
        var small = Enumerable.Range(0, 1_000).Select(i => new Dictionary<string, int> { ["a"] = i }).ToList();
        var json = JsonAssert.Serialize(new object[] { wide, small });
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(1_000, document.RootElement[0].EnumerateObject().Count());
        Assert.Equal(999, document.RootElement[1][999].GetProperty("a").GetInt32());

        using var parsed = System.Text.Json.JsonDocument.Parse("[" + json[1..^1] + """,{"x":1,"x":2}]""");
        JsonAssert.Rejects(parsed.RootElement, "$[2].x");
    }

    [Fact]
    public void SameObjectInSiblingPositions_IsWrittenTwice()
    {
        var shared = new Node { Name = "shared" };
        JsonAssert.Coerces(
            """{"a":{"Name":"shared","Children":[]},"b":[{"Name":"shared","Children":[]}]}""",
            new { a = shared, b = new[] { shared } });
    }

    [Fact]
    public void Nesting256Levels_Works()
    {
        var json = JsonAssert.Serialize(Nest(256));
        Assert.Equal(new string('[', 256) + new string(']', 256), json);
    }

    [Fact]
    public void NestingAtMaxDepth_WorksAndOneMoreLevelIsRejected()
    {
        var options = new ContinuationJsonOptions();
        Assert.Equal(1024, JsonAssert.Serialize(Nest(512), options).Length);
        var exception = JsonAssert.Rejects(Nest(513), "$" + string.Concat(Enumerable.Repeat("[0]", 512)), options);
        Assert.Contains("512", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SmallerMaxDepth_IsEnforcedForObjects()
    {
        var options = new ContinuationJsonOptions { MaxDepth = 2 };
        JsonAssert.Coerces("""{"a":{"b":1}}""", new { a = new { b = 1 } }, options);
        JsonAssert.Rejects(new { a = new { b = new { c = 1 } } }, "$.a.b", options);
    }

    [Fact]
    public void ToJsonNode_ReadsDeepResults()
    {
        Assert.NotNull(ContinuationJson.ToJsonNode(Nest(300)));
    }

    [Fact]
    public void LargeString_CrossingTheBudget_ThrowsBeforeSerializingIt()
    {
        var text = new string('x', 20_000_000);
        var options = new ContinuationJsonOptions { MaxBytes = 1_000_000 };
        var before = GC.GetAllocatedBytesForCurrentThread();
        var exception = Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes(new { big = text }, options));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1_000_000, exception.LimitBytes);
        Assert.Equal("$.big", exception.JsonPath);
        Assert.True(allocated < 1_000_000, $"Allocated {allocated} bytes for a string that was refused.");
    }

    [Fact]
    public void MultiByteString_CrossingTheBudgetPartWayThrough_Throws()
    {
        // Passes the one-byte-per-character estimate, then crosses the limit while being written in segments.
        var options = new ContinuationJsonOptions { MaxBytes = 150_000 };
        var exception = Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes(new string('é', 100_000), options));
        Assert.Equal("$", exception.JsonPath);
    }

    [Fact]
    public void ManySmallItems_CrossingTheBudget_ThrowAtTheFirstItemOverTheLimit()
    {
        var options = new ContinuationJsonOptions { MaxBytes = 10_000 };
        var exception = Assert.Throws<StateTooLargeException>(
            () => ContinuationJson.SerializeToUtf8Bytes(Enumerable.Range(0, 1_000_000_000).Select(_ => "abcdefgh"), options));
        // "[" then 10 bytes for the first item and 11 for each further one: item 908 ends at byte 9999, item 909 cannot fit.
        Assert.Equal("$[909]", exception.JsonPath);
    }

    [Fact]
    public void OutputExactlyAtTheBudget_IsAccepted()
    {
        Assert.Equal(5, ContinuationJson.SerializeToUtf8Bytes("abc", new ContinuationJsonOptions { MaxBytes = 5 }).Length);
        Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes("abcd", new ContinuationJsonOptions { MaxBytes = 5 }));
    }

    [Fact]
    public void SharedBudget_SpansColumns()
    {
        var options = new ContinuationJsonOptions();
        var budget = new ContinuationJsonBudget(20);
        var first = ContinuationJson.SerializeColumn(new[] { "0123456789" }, "$.messages", options, budget);
        Assert.Equal(14, first.Length);
        Assert.Equal(6, budget.Remaining);
        var exception = Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeColumn(new { a = "1234" }, "$.tool_state", options, budget));
        Assert.Equal(20, exception.LimitBytes);
        Assert.Equal("$.tool_state.a", exception.JsonPath);
    }

    [Fact]
    public void ColumnRootPath_StartsEveryPath()
    {
        var exception = Assert.Throws<ContinuationJsonException>(
            () => ContinuationJson.SerializeColumn(new[] { new { content = "a\0" } }, "$.messages", new ContinuationJsonOptions(), new ContinuationJsonBudget(1000)));
        Assert.Equal("$.messages[0].content", exception.JsonPath);
    }

    [Fact]
    public void Utf8Output_IsNotEscapedNeedlessly()
    {
        var json = ContinuationJson.SerializeToUtf8Bytes("ü<>&'");
        Assert.Equal("\"ü<>&'\"", Encoding.UTF8.GetString(json));
    }

    private static object Nest(int depth)
    {
        object value = Array.Empty<object>();
        for (var i = 1; i < depth; i++)
        {
            value = new[] { value };
        }

        return value;
    }

    private sealed class Node
    {
        public string? Name { get; set; }

        public List<Node> Children { get; } = [];
    }

    private sealed class KeyHolder
    {
        public object? Owner { get; set; }
    }
}
