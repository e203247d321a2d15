using System.Collections;
using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Dynamic;
using System.Globalization;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class DictionaryCoercionTests
{
    private enum Role
    {
        User,
        Assistant,
    }

    private sealed record Point(int X, int Y);

    [Fact]
    public void StringKeyedDictionary_IsWrittenAsObject()
    {
        JsonAssert.Coerces("""{"a":1,"b":[true]}""", new Dictionary<string, object> { ["a"] = 1, ["b"] = new[] { true } });
    }

    [Fact]
    public void GuidKeys_AreWrittenInDFormat()
    {
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        JsonAssert.Coerces("""{"0f8fad5b-d9cb-469f-a165-70867728950e":"x"}""", new Dictionary<Guid, string> { [id] = "x" });
    }

    [Fact]
    public void NumberKeys_AreWrittenInInvariantCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            JsonAssert.Coerces("""{"-3":1,"42":2}""", new SortedDictionary<int, int> { [-3] = 1, [42] = 2 });
            JsonAssert.Coerces("""{"1.5":1,"1.10":2}""", new Dictionary<object, int> { [1.5] = 1, [1.10m] = 2 });
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void EnumKeys_AreWrittenByName()
    {
        JsonAssert.Coerces("""{"User":"hi","Assistant":"hello"}""", new Dictionary<Role, string> { [Role.User] = "hi", [Role.Assistant] = "hello" });
    }

    [Fact]
    public void DateTimeKeys_AreWrittenInRoundTripFormat()
    {
        var key = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        JsonAssert.Coerces("""{"2024-05-06T07:08:09.0000000Z":1}""", new Dictionary<DateTime, int> { [key] = 1 });
    }

    [Fact]
    public void BoolKeys_AreWrittenAsTrueAndFalse()
    {
        JsonAssert.Coerces("""{"true":1,"false":0}""", new Dictionary<bool, int> { [true] = 1, [false] = 0 });
    }

    [Fact]
    public void RecordKeys_AreWrittenAsTheirCompactJsonText()
    {
        JsonAssert.Coerces("""{"{\"X\":1,\"Y\":2}":"p"}""", new Dictionary<Point, string> { [new Point(1, 2)] = "p" });
    }

    [Fact]
    public void TupleKeys_AreWrittenAsTheirArrayText()
    {
        // System.Text.Json writes a ValueTuple as {}: every tuple key became the same key and the save was refused.
        JsonAssert.Coerces("""{"[1,\"a\"]":1,"[2,\"b\"]":2}""", new Dictionary<(int, string), int> { [(1, "a")] = 1, [(2, "b")] = 2 });
        JsonAssert.Coerces("""{"[1,\"a\"]":1}""", new Dictionary<Tuple<int, string>, int> { [Tuple.Create(1, "a")] = 1 });
    }

    [Fact]
    public void ComplexKeys_FollowTheValueRules_NestedTuplesAndScalarsIncluded()
    {
        JsonAssert.Coerces(
            """{"[1,[2,3]]":1,"[1,[4,5]]":2}""",
            new Dictionary<(int, (int, int)), int> { [(1, (2, 3))] = 1, [(1, (4, 5))] = 2 });
        JsonAssert.Coerces("""{"[\"Monday\",\"1.10\"]":1}""", new Dictionary<(DayOfWeek, decimal), int> { [(DayOfWeek.Monday, 1.10m)] = 1 });
    }

    [Fact]
    public void LoneSurrogateInsideAComplexKey_IsRejectedByDefault_NotStoredAsReplacement()
    {
        var value = new { d = new Dictionary<(int, string), int> { [(1, "a\uD800")] = 1 } };
        var exception = Assert.Throws<ContinuationJsonException>(() => ContinuationJson.SerializeToUtf8Bytes(value));
        Assert.StartsWith("$.d", exception.JsonPath, StringComparison.Ordinal);
        Assert.Contains("U+D800", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullKey_IsRejectedWithThePath()
    {
        var value = new { d = new NullKeyDictionary() };
        var exception = JsonAssert.Rejects(value, "$.d");
        Assert.Contains("key is null", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByteArrayKeys_AreWrittenAsTheirBase64Text()
    {
        JsonAssert.Coerces("""{"AQI=":1}""", new Dictionary<byte[], int> { [[1, 2]] = 1 });
    }

    [Fact]
    public void KeysThatBecomeTheSameString_AreRejectedWithThePath()
    {
        var value = new { counts = new Dictionary<object, int> { [1] = 1, ["1"] = 2 } };
        var exception = JsonAssert.Rejects(value, "$.counts['1']");
        Assert.Contains("same JSON key", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonGenericDictionary_IsWrittenAsObject()
    {
        JsonAssert.Coerces("""{"k":"v"}""", new Hashtable { ["k"] = "v" });
    }

    [Fact]
    public void ReadOnlyAndConcurrentDictionariesAndExpando_AreWrittenAsObjects()
    {
        dynamic expando = new ExpandoObject();
        expando.name = "x";
        JsonAssert.Coerces("""{"a":1}""", new ReadOnlyDictionary<string, int>(new Dictionary<string, int> { ["a"] = 1 }));
        JsonAssert.Coerces("""{"a":1}""", new ConcurrentDictionary<string, int>(new Dictionary<string, int> { ["a"] = 1 }));
        JsonAssert.Coerces("""{"name":"x"}""", (object)expando);
    }

    [Fact]
    public void KeyWithOddCharacters_IsQuotedInThePath()
    {
        var value = new Dictionary<string, object> { ["we ird"] = new[] { double.NaN } };
        JsonAssert.Rejects(value, "$['we ird'][0]");
    }

    [Fact]
    public void NanKey_IsRejected()
    {
        JsonAssert.Rejects(new { d = new Dictionary<double, int> { [double.NaN] = 1 } }, "$.d");
    }

    private sealed class NullKeyDictionary : IReadOnlyDictionary<string, int>
    {
        public int this[string key] => 1;

        public IEnumerable<string> Keys => [null!];

        public IEnumerable<int> Values => [1];

        public int Count => 1;

        public bool ContainsKey(string key) => false;

        public bool TryGetValue(string key, out int value) => (value = 1) == 0;

        public IEnumerator<KeyValuePair<string, int>> GetEnumerator() => new List<KeyValuePair<string, int>> { new(null!, 1) }.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
