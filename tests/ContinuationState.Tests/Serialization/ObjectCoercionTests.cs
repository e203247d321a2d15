using System.Text.Json;
using System.Text.Json.Serialization;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

public class ObjectCoercionTests
{
    [Fact]
    public void AnonymousObject_IsWrittenWithItsMemberNames()
    {
        JsonAssert.Coerces("""{"id":3,"name":"n","price":"9.90"}""", new { id = 3, name = "n", price = 9.90m });
    }

    [Fact]
    public void Record_HonoursJsonPropertyNameAndJsonIgnore()
    {
        JsonAssert.Coerces("""{"tool_call_id":"c1","Arguments":{"q":1}}""", new ToolCall("c1", new Dictionary<string, int> { ["q"] = 1 }, "secret"));
    }

    [Fact]
    public void NamingPolicyAndIgnoreConditions_ComeFromSerializerOptions()
    {
        var options = new ContinuationJsonOptions
        {
            SerializerOptions = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            },
        };

        JsonAssert.Coerces("""{"display_name":"x","count":0}""", new Profile { DisplayName = "x", Nickname = null, Count = 0 }, options);
    }

    [Fact]
    public void ExtensionData_IsWrittenBesideTheDeclaredMembers()
    {
        var value = new WithExtras { Name = "n", Extra = new Dictionary<string, object> { ["more"] = 1.5m } };
        JsonAssert.Coerces("""{"Name":"n","more":"1.5"}""", value);
    }

    [Fact]
    public void MemberValues_FollowTheRulesByRuntimeType()
    {
        var value = new Holder { Payload = new { when = new DateOnly(2024, 2, 29), amount = 1.0m } };
        JsonAssert.Coerces("""{"Payload":{"when":"2024-02-29","amount":"1.0"}}""", value);
    }

    [Fact]
    public void Struct_IsWrittenAsObject()
    {
        JsonAssert.Coerces("""{"X":1,"Y":2}""", new Coordinates(1, 2));
    }

    [Fact]
    public void ValueTuple_IsWrittenAsArray()
    {
        JsonAssert.Coerces("""[1,"a",[true,null]]""", (1, "a", (true, (string?)null)));
    }

    [Fact]
    public void TuplesWithMoreThanSevenItems_AreWrittenAsOneFlatArray()
    {
        JsonAssert.Coerces("[1,2,3,4,5,6,7,8,9]", (1, 2, 3, 4, 5, 6, 7, 8, 9));
        JsonAssert.Coerces("[1,2,3,4,5,6,7,8,9]", new Tuple<int, int, int, int, int, int, int, Tuple<int, int>>(1, 2, 3, 4, 5, 6, 7, Tuple.Create(8, 9)));
    }

    [Fact]
    public void ReferenceTuple_IsWrittenAsArray()
    {
        JsonAssert.Coerces("""["x",2]""", Tuple.Create("x", 2));
    }

    [Fact]
    public void KeyValuePair_IsWrittenAsKeyAndValue()
    {
        JsonAssert.Coerces("""[{"Key":"a","Value":1.5}]""", new List<KeyValuePair<string, double>> { new("a", 1.5) });
    }

    [Fact]
    public void Enumerables_AreWrittenAsArrays()
    {
        JsonAssert.Coerces("""[[1,2],["a"],[3],[4,5]]""", new object[] { new List<int> { 1, 2 }, new HashSet<string> { "a" }, Enumerable.Range(3, 1), new Queue<int>([4, 5]) });
    }

    [Fact]
    public void Delegate_IsRejectedNamingTheType()
    {
        Func<int> callback = () => 1;
        var exception = JsonAssert.Rejects(new { callback }, "$.callback");
        Assert.Contains("System.Func<System.Int32>", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(UnsupportedValues))]
    public void NonDataTypes_AreRejected(object value)
    {
        JsonAssert.Rejects(new[] { value }, "$[0]");
    }

    public static TheoryData<object> UnsupportedValues() => new()
    {
        typeof(string),
        new IntPtr(5),
        new MemoryStream(),
        Task.CompletedTask,
        new int[2, 2],
        CancellationToken.None,
    };

    [Fact]
    public void PropertyGetterThatThrows_IsReportedWithThePath()
    {
        var exception = JsonAssert.Rejects(new { item = new Throwing() }, "$.item.Broken");
        Assert.IsType<NotImplementedException>(exception.InnerException);
    }

    private sealed record ToolCall(
        [property: JsonPropertyName("tool_call_id")] string Id,
        Dictionary<string, int> Arguments,
        [property: JsonIgnore] string Secret);

    [Fact]
    public void EnumerationThatThrows_IsRejectedWithThePathOfTheItemItCouldNotProduce()
    {
        var lazy = new[] { 1, 0 }.Select(x => 1 / x);
        var exception = JsonAssert.Rejects(new { items = lazy }, "$.items[1]");
        Assert.IsType<DivideByZeroException>(exception.InnerException);
        Assert.Contains("threw DivideByZeroException", exception.Message, StringComparison.Ordinal);

        JsonAssert.Rejects(new { segment = default(ArraySegment<int>) }, "$.segment[0]");
        JsonAssert.Rejects(new { map = ThrowingPairs() }, "$.map");
    }

    private sealed class Profile
    {
        public string? DisplayName { get; set; }

        public string? Nickname { get; set; }

        public int Count { get; set; }
    }

    private sealed class WithExtras
    {
        public string? Name { get; set; }

        [JsonExtensionData]
        public Dictionary<string, object>? Extra { get; set; }
    }

    private sealed class Holder
    {
        public object? Payload { get; set; }
    }

    private readonly record struct Coordinates(int X, int Y);

    private sealed class Throwing
    {
        public int Broken => throw new NotImplementedException();
    }

    private static IReadOnlyDictionary<string, int> ThrowingPairs() => new ThrowingDictionary();

    private sealed class ThrowingDictionary : IReadOnlyDictionary<string, int>
    {
        public int this[string key] => 1;

        public IEnumerable<string> Keys => ["a"];

        public IEnumerable<int> Values => [1];

        public int Count => 2;

        public bool ContainsKey(string key) => key == "a";

        public bool TryGetValue(string key, out int value) => (value = 1) == 1;

        public IEnumerator<KeyValuePair<string, int>> GetEnumerator()
        {
            yield return new("a", 1);
            throw new InvalidOperationException("the collection changed");
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
