using System.Text.Json;
using System.Text.Json.Serialization;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Serialization;

/// <summary>
/// Values whose base type is polymorphic keep their type discriminator: walked by their own contract they would lose
/// it and load back as the bare base type, silently (Microsoft.Extensions.AI's <c>AIContent</c> was the case found).
/// </summary>
public sealed class PolymorphismTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly JsonSerializerOptions ReadBack = new() { AllowOutOfOrderMetadataProperties = true };

    [Fact]
    public void DerivedValue_InAListOfTheBase_KeepsItsDiscriminator()
    {
        JsonAssert.Coerces(
            """[{"$type":"text","Text":"hi"},{"$type":"call","Name":"search","Arguments":{"q":"x"}}]""",
            new List<Part> { new TextPart { Text = "hi" }, new CallPart { Name = "search", Arguments = new() { ["q"] = "x" } } });
    }

    [Fact]
    public void DerivedValue_InAPropertyOfTheBase_OrAsObject_KeepsItsDiscriminator()
    {
        JsonAssert.Coerces("""{"Role":"user","Contents":[{"$type":"text","Text":"hi"}]}""", new Message("user", [new TextPart { Text = "hi" }]));
        JsonAssert.Coerces("""{"part":{"$type":"text","Text":"hi"}}""", new Dictionary<string, object> { ["part"] = new TextPart { Text = "hi" } });
    }

    [Fact]
    public void DerivedValue_TheBaseDoesNotKnow_IsRefusedNamingItsPath_NotWrittenWithoutItsType()
    {
        var error = JsonAssert.Rejects(new List<Part> { new TextPart { Text = "ok" }, new UnregisteredPart() }, "$[1]");

        Assert.Contains(nameof(UnregisteredPart), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DerivedValue_MeetsTheTextPolicies_LikeAnyObject()
    {
        // Written through System.Text.Json's converter, a lone surrogate became U+FFFD silently, whatever the policy.
        var error = JsonAssert.Rejects(new List<Part> { new TextPart { Text = "a\uD800" } }, "$[0].Text");
        Assert.Contains("U+D800", error.Message, StringComparison.Ordinal);

        var replace = new ContinuationState.Serialization.ContinuationJsonOptions { LoneSurrogates = ContinuationState.Serialization.LoneSurrogatePolicy.Replace };
        Assert.Equal("[{\"$type\":\"text\",\"Text\":\"a\uFFFD\"}]", JsonAssert.Serialize(new List<Part> { new TextPart { Text = "a\uD800" } }, replace));
    }

    [Fact]
    public void InterfaceWithPolymorphism_KeepsTheDiscriminatorToo()
    {
        JsonAssert.Coerces("""[{"kind":"circle","Radius":2}]""", new List<object> { new Circle { Radius = 2 } });
    }

    [Fact]
    public void NonPolymorphicHierarchy_IsWalkedAsBefore_WithNoDiscriminator()
    {
        JsonAssert.Coerces("""{"Base":1,"Derived":2}""", new PlainDerived { Base = 1, Derived = 2 });
    }

    [Fact]
    public async Task SavedThroughJsonb_WhichReordersKeys_LoadsBackAsTheDerivedTypes()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        var messages = new List<Message>
        {
            new("user", [new TextPart { Text = "find flights" }]),
            new("assistant", [new CallPart { Name = "search", Arguments = new() { ["to"] = "Oslo" } }, new TextPart { Text = "searching" }]),
        };

        await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot() with { Messages = messages });
        var loaded = await service.LoadStateAsync(conversation, "user-a");
        var back = loaded!.Messages.Deserialize<List<Message>>(ReadBack)!;

        Assert.Equal(2, back.Count);
        Assert.Equal("find flights", Assert.IsType<TextPart>(back[0].Contents[0]).Text);
        var call = Assert.IsType<CallPart>(back[1].Contents[0]);
        Assert.Equal("search", call.Name);
        Assert.Equal("Oslo", call.Arguments["to"].ToString());
        Assert.Equal("searching", Assert.IsType<TextPart>(back[1].Contents[1]).Text);
    }

    [JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
    [JsonDerivedType(typeof(TextPart), "text")]
    [JsonDerivedType(typeof(CallPart), "call")]
    public class Part;

    public sealed class TextPart : Part
    {
        public string Text { get; init; } = "";
    }

    public sealed class CallPart : Part
    {
        public string Name { get; init; } = "";

        public Dictionary<string, object> Arguments { get; init; } = [];
    }

    public sealed class UnregisteredPart : Part
    {
        public string Secret { get; init; } = "kept only if its type is";
    }

    public sealed record Message(string Role, List<Part> Contents);

    [JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
    [JsonDerivedType(typeof(Circle), "circle")]
    public interface IShape;

    public sealed class Circle : IShape
    {
        public int Radius { get; init; }
    }

    public class PlainBase
    {
        public int Base { get; init; }
    }

    public sealed class PlainDerived : PlainBase
    {
        public int Derived { get; init; }
    }
}
