using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Reliability;

/// <summary>
/// Hostile and malformed input, table-driven: every case gets one exact exception type and leaves both tables
/// byte-for-byte as they were. Cases that are not the server's business are refused before any command is sent.
/// </summary>
/// <remarks>
/// Conversation id forms, decided: the canonical 36-character UUID in any letter case, or exactly 24 hex digits
/// (a legacy ObjectId, matched as stored). Braces, parentheses, the 32-digit and hex-struct forms, a urn:uuid:
/// prefix, surrounding whitespace, and any non-ASCII look-alike are not ids: Save throws
/// <see cref="InvalidConversationIdException"/>, every other operation answers "nothing there" without a query.
/// User ids are compared exactly, byte for byte: case, whitespace, Unicode normalization and look-alikes make a
/// different user.
/// </remarks>
public sealed class HostileInputTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-a";
    private const string Hostile = "'; DROP TABLE pending_tool_state; --";

    /// <summary>Conversation ids that are no id: built from a real conversation's UUID (which starts "a0") or legacy id (likewise).</summary>
    private static readonly Dictionary<string, Func<Ids, string>> UnusableIds = new()
    {
        ["10 KB of letters"] = _ => new string('z', 10 * 1024),
        ["10 KB of hex digits"] = _ => new string('a', 10 * 1024),
        ["SQL: drop table"] = _ => Hostile,
        ["SQL: or 1=1"] = ids => ids.Uuid + "' OR '1'='1",
        ["SQL: 36 chars of quotes"] = _ => new string('\'', 36),
        ["UUID in braces"] = ids => "{" + ids.Uuid + "}",
        ["UUID in parentheses"] = ids => "(" + ids.Uuid + ")",
        ["UUID without dashes"] = ids => ids.Uuid.Replace("-", "", StringComparison.Ordinal),
        ["UUID in hex-struct form"] = ids => Guid.Parse(ids.Uuid).ToString("X"),
        ["UUID with urn prefix"] = ids => "urn:uuid:" + ids.Uuid,
        ["UUID with a leading space"] = ids => " " + ids.Uuid,
        ["UUID with a trailing newline"] = ids => ids.Uuid + "\n",
        ["UUID with a zero-width space"] = ids => ids.Uuid + "\u200B",
        ["UUID with U+0000"] = ids => ids.Uuid + "\0",
        ["UUID with a lone surrogate"] = ids => ids.Uuid + "\uD800",
        ["legacy id with a lone surrogate"] = ids => ids.Legacy[..23] + "\uDC00",
        ["UUID with Cyrillic a"] = ids => "\u0430" + ids.Uuid[1..],
        ["UUID with Greek alpha"] = ids => "\u03B1" + ids.Uuid[1..],
        ["UUID with fullwidth a"] = ids => "\uFF41" + ids.Uuid[1..],
        ["UUID with fullwidth 0"] = ids => ids.Uuid[..1] + "\uFF10" + ids.Uuid[2..],
        ["UUID with Arabic-Indic 0"] = ids => ids.Uuid[..1] + "\u0660" + ids.Uuid[2..],
        ["UUID with a Unicode hyphen"] = ids => ids.Uuid[..8] + "\u2010" + ids.Uuid[9..],
        ["UUID with a minus sign"] = ids => ids.Uuid[..8] + "\u2212" + ids.Uuid[9..],
        ["UUID with a combining mark"] = ids => ids.Uuid[..1] + "\u0301" + ids.Uuid[1..35],
        ["legacy id with Cyrillic a"] = ids => "\u0430" + ids.Legacy[1..],
        ["legacy id with fullwidth 0"] = ids => ids.Legacy[..1] + "\uFF10" + ids.Legacy[2..],
        ["23 hex digits"] = ids => ids.Legacy[..23],
        ["25 hex digits"] = ids => ids.Legacy + "0",
    };

    /// <summary>
    /// Text PostgreSQL cannot hold. A lone surrogate has no UTF-8 form: unchecked, the driver's encoder throws from
    /// inside parameter binding, after a connection was taken.
    /// </summary>
    private static readonly Dictionary<string, string> UnstorableText = new()
    {
        ["a lone high surrogate"] = "u\uD800x",
        ["a lone low surrogate"] = "\uDC00user",
        ["a reversed surrogate pair"] = "user-\uDC00\uD83D",
        ["a high surrogate cut off at the end"] = "user-a \uD83D",
        ["U+0000 after a surrogate pair"] = "user-\uD83D\uDE00\0",
    };

    private static readonly Dictionary<string, HostileCase> Cases = BuildCases();

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    public static TheoryData<string> UnusableIdNames => new(UnusableIds.Keys);

    [Fact]
    public void TheTable_HasAtLeastFortyCases() => Assert.True(Cases.Count >= 40, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task HostileInput_ThrowsTheExactException_AndWritesNothing(string name)
    {
        var hostile = Cases[name];
        var context = await ArrangeAsync();
        var before = await FingerprintAsync();
        using var counter = new CommandCounter(db.DatabaseName);

        var error = await Record.ExceptionAsync(() => hostile.Act(context));

        Assert.NotNull(error);
        Assert.IsType(hostile.Expected, error);
        if (hostile.ParamName is not null)
        {
            Assert.Equal(hostile.ParamName, ((ArgumentException)error).ParamName);
        }

        if (hostile.JsonPathPrefix is not null)
        {
            var path = error switch
            {
                ContinuationJsonException json => json.JsonPath,
                StateTooLargeException large => large.JsonPath,
                _ => throw new InvalidOperationException($"{error.GetType().Name} carries no JSON path."),
            };
            Assert.StartsWith(hostile.JsonPathPrefix, path, StringComparison.Ordinal);
        }

        if (!hostile.ReachesServer)
        {
            Assert.Equal(0, counter.Count);
        }

        Assert.Equal(before, await FingerprintAsync());
    }

    [Theory]
    [MemberData(nameof(UnusableIdNames))]
    public async Task UnusableConversationId_EveryOtherOperationAnswersNothingThere_WithoutAQuery(string name)
    {
        var context = await ArrangeAsync();
        var id = UnusableIds[name](context.Ids);
        var service = context.Service;
        var before = await FingerprintAsync();
        using var counter = new CommandCounter(db.DatabaseName);

        Assert.Null(await service.LoadStateAsync(id, User));
        Assert.Null(await service.ClaimStateAsync(id, User));
        Assert.False(await service.ReleaseClaimAsync(id, User));
        Assert.False(await service.MarkResumingAsync(id, User));
        Assert.False(await service.DeleteStateAsync(id, User));

        Assert.Equal(0, counter.Count);
        Assert.Equal(before, await FingerprintAsync());
    }

    [Fact]
    public async Task AcceptedEdgeForms_UuidInAnyLetterCase_AndA512CharacterUserId_NameTheSameState()
    {
        var context = await ArrangeAsync();
        var service = context.Service;
        var upper = context.Ids.Uuid.ToUpperInvariant();
        var mixed = string.Concat(context.Ids.Uuid.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
        var longUser = new string('u', 512);

        Assert.Equal(upper, await service.SaveStateAsync(upper, longUser, TestData.Snapshot("upper")));
        Assert.Equal("upper", (await service.LoadStateAsync(mixed, longUser))!.Messages[0].GetProperty("content").GetString());
        Assert.NotNull(await service.ClaimStateAsync(context.Ids.Uuid, longUser));
        Assert.True(await service.DeleteStateAsync(mixed, longUser));
        Assert.Equal(0, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE user_id = $1", longUser));
    }

    public static TheoryData<string, string> OtherUsers => new()
    {
        { "user-a", "user-b" },
        { "user-a", "USER-A" },
        { "user-a", "user-a " },
        { "user-a", " user-a" },
        { "user-a", "us\u0435r-a" }, // Cyrillic e
        { "user-a", "user-a\u200B" },
        { "user-a", "user-a' OR '1'='1" },
        { "user-a", "user-a'; DELETE FROM pending_tool_state; --" },
        { "user-a", "%" },
        { "user-a", "user-_" },
        { "jos\u00E9", "jose\u0301" }, // NFC and NFD spellings of one name are two users
    };

    [Theory]
    [MemberData(nameof(OtherUsers))]
    public async Task OtherUser_EveryOperation_ActsOnNothing_AndAnswersAsIfThereWereNoState(string owner, string other)
    {
        var service = db.CreateService();

        // What any user hears about a conversation with no state at all.
        var empty = (await TestData.CreateConversationAsync(db.DataSource, owner)).ToString();
        var nothingThere = await AnswersAsync(service, empty, other, Forge(Guid.NewGuid(), Guid.NewGuid(), Guid.Parse(empty), other, DateTimeOffset.UtcNow));
        Assert.Equal(new[] { "load: null", "claim: null", "release: False", "fenced release: False", "fenced delete: False", "mark: False", "delete: False" }, nothingThere);

        foreach (var kind in new[] { "pending", "claimed", "marked", "expired" })
        {
            var conversation = await TestData.CreateConversationAsync(db.DataSource, owner);
            var id = conversation.ToString();
            await service.SaveStateAsync(id, owner, TestData.Snapshot("owner's"));
            var claimed = kind switch
            {
                "claimed" => await service.ClaimStateAsync(id, owner),
                "marked" => await MarkAsync(service, id, owner),
                "expired" => await ExpireAsync(conversation),
                _ => null,
            };
            var rowId = await TestData.ScalarAsync<Guid>(db.DataSource, "SELECT id FROM pending_tool_state WHERE conversation_id = $1", conversation);
            // The other user presents the owner's row id and, when there is one, the owner's very claim token.
            var forged = Forge(rowId, claimed?.ClaimToken ?? Guid.NewGuid(), conversation, other, claimed?.ResumedAt ?? DateTimeOffset.UtcNow);
            var before = await RowTextAsync(conversation, owner);

            var answers = await AnswersAsync(service, id, other, forged);

            Assert.Equal(nothingThere, answers);
            Assert.Equal(before, await RowTextAsync(conversation, owner));
            Assert.Equal(1, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", conversation));
        }

        // A save by the other user is that user's own state, stored under the id exactly as given.
        var target = await TestData.CreateConversationAsync(db.DataSource, owner);
        await service.SaveStateAsync(target.ToString(), owner, TestData.Snapshot("owner's"));
        var ownerRow = await RowTextAsync(target, owner);
        await service.SaveStateAsync(target.ToString(), other, TestData.Snapshot("other's"));
        Assert.Equal(ownerRow, await RowTextAsync(target, owner));
        Assert.Equal("other's", await TestData.ScalarAsync<string>(db.DataSource, "SELECT messages->0->>'content' FROM pending_tool_state WHERE conversation_id = $1 AND user_id = $2", target, other));
        Assert.Equal(2, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", target));
    }

    private static async Task<List<string>> AnswersAsync(ContinuationService service, string id, string user, PendingToolState forged)
    {
        var answers = new List<string>
        {
            "load: " + Describe(await service.LoadStateAsync(id, user)),
        };
        try
        {
            answers.Add("claim: " + Describe(await service.ClaimStateAsync(id, user)));
        }
        catch (ResumeInProgressException)
        {
            answers.Add("claim: in progress");
        }

        answers.Add("release: " + await service.ReleaseClaimAsync(id, user));
        answers.Add("fenced release: " + await service.ReleaseClaimAsync(forged));
        answers.Add("fenced delete: " + await service.DeleteStateAsync(forged));
        answers.Add("mark: " + await service.MarkResumingAsync(id, user));
        answers.Add("delete: " + await service.DeleteStateAsync(id, user));
        return answers;

        static string Describe(PendingToolState? state) => state is null ? "null" : "a state";
    }

    private static async Task<PendingToolState?> MarkAsync(ContinuationService service, string id, string owner)
    {
        Assert.True(await service.MarkResumingAsync(id, owner));
        return null;
    }

    private async Task<PendingToolState?> ExpireAsync(Guid conversation)
    {
        await TestData.ExecuteAsync(db.DataSource, "UPDATE pending_tool_state SET expires_at = clock_timestamp() - interval '1 second' WHERE conversation_id = $1", conversation);
        return null;
    }

    private async Task<string?> RowTextAsync(Guid conversation, string user)
        => await TestData.ScalarAsync<string>(db.DataSource, "SELECT p::text FROM pending_tool_state p WHERE conversation_id = $1 AND user_id = $2", conversation, user);

    /// <summary>Both tables, every column of every row: equal before and after means nothing was written.</summary>
    private async Task<string?> FingerprintAsync() => await TestData.ScalarAsync<string>(
        db.DataSource,
        """
        SELECT (SELECT count(*) || ':' || coalesce(md5(string_agg(p::text, '|' ORDER BY p.id)), '') FROM pending_tool_state p)
            || '/' || (SELECT count(*) || ':' || coalesce(md5(string_agg(c::text, '|' ORDER BY c.id)), '') FROM conversations c)
        """);

    /// <summary>
    /// A conversation with no state (by UUID and by legacy id, both starting "a0" so look-alikes can mimic them) and a
    /// victim conversation with live state that no hostile call may touch.
    /// </summary>
    private async Task<Context> ArrangeAsync()
    {
        var service = db.CreateService();
        var uuid = "a0" + Guid.NewGuid().ToString()[2..];
        await TestData.ExecuteAsync(db.DataSource, "INSERT INTO conversations (id, user_id, name) VALUES ($1, $2, 'hostile')", Guid.Parse(uuid), User);
        var legacy = "a0" + TestData.NewLegacyId()[2..];
        await TestData.CreateConversationAsync(db.DataSource, User, legacy);
        var victim = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        await service.SaveStateAsync(victim, User, TestData.Snapshot("victim"));
        var loaded = await service.LoadStateAsync(victim, User);
        Assert.NotNull(loaded);
        return new Context(service, new Ids(uuid, legacy), victim, loaded, db.DataSource);
    }

    private static PendingToolState Forge(Guid id, Guid token, Guid conversation, string user, DateTimeOffset resumedAt)
    {
        var empty = JsonDocument.Parse("[]").RootElement;
        return new PendingToolState
        {
            Id = id, ConversationId = conversation, UserId = user, Messages = empty, PendingToolCalls = empty, ToolsDict = empty,
            ToolSchemas = empty, AgentConfig = empty, CreatedAt = resumedAt, ExpiresAt = resumedAt.AddHours(1),
            Status = PendingToolStateStatus.Resuming, ResumedAt = resumedAt, ClaimToken = token,
        };
    }

    private static Dictionary<string, HostileCase> BuildCases()
    {
        var cases = new Dictionary<string, HostileCase>();

        // Conversation ids on Save.
        Add("save: null conversation id", c => Save(c, null!), typeof(ArgumentNullException), "conversationId");
        Add("save: empty conversation id", c => Save(c, ""), typeof(ArgumentException), "conversationId");
        Add("save: whitespace conversation id", c => Save(c, "   "), typeof(ArgumentException), "conversationId");
        Add("save: tab-and-newline conversation id", c => Save(c, "\t\r\n"), typeof(ArgumentException), "conversationId");
        foreach (var (label, build) in UnusableIds)
        {
            Add($"save: {label}", c => Save(c, build(c.Ids)), typeof(InvalidConversationIdException));
        }

        Add("save: well-formed legacy id nobody has", c => Save(c, TestData.NewLegacyId()), typeof(InvalidConversationIdException), reachesServer: true);
        Add("save: legacy id in upper case (stored in lower)", c => Save(c, c.Ids.Legacy.ToUpperInvariant()), typeof(InvalidConversationIdException), reachesServer: true);
        Add("save: UUID of no conversation", c => Save(c, Guid.NewGuid().ToString()), typeof(ConversationNotFoundException), reachesServer: true);

        // Conversation ids on the other operations: missing ones are argument errors, not "nothing there".
        Add("load: null conversation id", c => c.Service.LoadStateAsync(null!, User), typeof(ArgumentNullException), "conversationId");
        Add("claim: null conversation id", c => c.Service.ClaimStateAsync(null!, User), typeof(ArgumentNullException), "conversationId");
        Add("claim: whitespace conversation id", c => c.Service.ClaimStateAsync(" ", User), typeof(ArgumentException), "conversationId");
        Add("release: null conversation id", c => c.Service.ReleaseClaimAsync(null!, User), typeof(ArgumentNullException), "conversationId");
        Add("mark: empty conversation id", c => c.Service.MarkResumingAsync("", User), typeof(ArgumentException), "conversationId");
        Add("delete: null conversation id", c => c.Service.DeleteStateAsync(null!, User), typeof(ArgumentNullException), "conversationId");

        // User ids, on Save and on every other operation (against the victim's real conversation).
        Add("save: null user id", c => c.Service.SaveStateAsync(c.Ids.Uuid, null!, TestData.Snapshot()), typeof(ArgumentNullException), "userId");
        Add("save: empty user id", c => c.Service.SaveStateAsync(c.Ids.Uuid, "", TestData.Snapshot()), typeof(ArgumentException), "userId");
        Add("save: whitespace user id", c => c.Service.SaveStateAsync(c.Ids.Uuid, " \t ", TestData.Snapshot()), typeof(ArgumentException), "userId");
        Add("save: 10 KB user id", c => c.Service.SaveStateAsync(c.Ids.Uuid, new string('u', 10 * 1024), TestData.Snapshot()), typeof(ArgumentException), "userId");
        Add("save: 513-character user id", c => c.Service.SaveStateAsync(c.Ids.Uuid, new string('u', 513), TestData.Snapshot()), typeof(ArgumentException), "userId");
        Add("save: user id with U+0000", c => c.Service.SaveStateAsync(c.Ids.Uuid, "user-a\0", TestData.Snapshot()), typeof(ArgumentException), "userId");
        Add("load: null user id", c => c.Service.LoadStateAsync(c.Victim, null!), typeof(ArgumentNullException), "userId");
        Add("claim: 10 KB user id", c => c.Service.ClaimStateAsync(c.Victim, new string('u', 10 * 1024)), typeof(ArgumentException), "userId");
        Add("release: whitespace user id", c => c.Service.ReleaseClaimAsync(c.Victim, "  "), typeof(ArgumentException), "userId");
        Add("mark: user id with U+0000", c => c.Service.MarkResumingAsync(c.Victim, "\0"), typeof(ArgumentException), "userId");
        Add("delete: empty user id", c => c.Service.DeleteStateAsync(c.Victim, ""), typeof(ArgumentException), "userId");
        Add("delete: user id with U+0000 after the owner's", c => c.Service.DeleteStateAsync(c.Victim, User + "\0"), typeof(ArgumentException), "userId");

        // Text PostgreSQL cannot hold, as a user id or resume id of every operation (and of the fenced ones, whose
        // state a host may have built itself): refused before a connection is taken.
        foreach (var (label, text) in UnstorableText)
        {
            Add($"save: user id with {label}", c => c.Service.SaveStateAsync(c.Ids.Uuid, text, TestData.Snapshot()), typeof(ArgumentException), "userId");
            Add($"save by legacy id: user id with {label}", c => c.Service.SaveStateAsync(c.Ids.Legacy, text, TestData.Snapshot()), typeof(ArgumentException), "userId");
            Add($"load: user id with {label}", c => c.Service.LoadStateAsync(c.Victim, text), typeof(ArgumentException), "userId");
            Add($"claim: user id with {label}", c => c.Service.ClaimStateAsync(c.Victim, text), typeof(ArgumentException), "userId");
            Add($"claim for resume: user id with {label}", c => c.Service.ClaimForResumeAsync(c.Victim, text, "resume-1"), typeof(ArgumentException), "userId");
            Add($"claim for resume: resume id with {label}", c => c.Service.ClaimForResumeAsync(c.Victim, User, text), typeof(ArgumentException), "resumeId");
            Add($"release: user id with {label}", c => c.Service.ReleaseClaimAsync(c.Victim, text), typeof(ArgumentException), "userId");
            Add($"mark: user id with {label}", c => c.Service.MarkResumingAsync(c.Victim, text), typeof(ArgumentException), "userId");
            Add($"delete: user id with {label}", c => c.Service.DeleteStateAsync(c.Victim, text), typeof(ArgumentException), "userId");
            Add($"fenced release: user id with {label}", c => c.Service.ReleaseClaimAsync(ForgeFor(c, text)), typeof(ArgumentException), "claimed");
            Add($"fenced delete: user id with {label}", c => c.Service.DeleteStateAsync(ForgeFor(c, text)), typeof(ArgumentException), "claimed");
            Add($"complete: user id with {label}", c => c.Service.CompleteResumeAsync(ForgeFor(c, text, "resume-1")), typeof(ArgumentException), "claimed");
            Add($"repository save: user id with {label}", c => OnRepository(c, r => r.SaveStateAsync(c.Loaded.ConversationId, text, TestData.Snapshot())), typeof(ArgumentException), "userId");
            Add($"repository claim for resume: resume id with {label}", c => OnRepository(c, r => r.ClaimForResumeAsync(c.Loaded.ConversationId, User, text)), typeof(ArgumentException), "resumeId");
            Add($"conversations create: user id with {label}", c => OnConversations(c, r => r.CreateAsync(text)), typeof(ArgumentException), "userId");
            Add($"conversations create: name with {label}", c => OnConversations(c, r => r.CreateAsync(User, text)), typeof(ArgumentException), "name");
            Add($"conversations resolve: user id with {label}", c => OnConversations(c, r => r.ResolveAsync(c.Ids.Legacy, text)), typeof(ArgumentException), "userId");
            Add($"conversations get: user id with {label}", c => OnConversations(c, r => r.GetAsync(Guid.Parse(c.Ids.Uuid), text)), typeof(ArgumentException), "userId");
            Add($"conversations get by legacy id: legacy id with {label}", c => OnConversations(c, r => r.GetByLegacyIdAsync(text)), typeof(ArgumentException), "legacyMongoId");
            Add($"conversations get by legacy id: user id with {label}", c => OnConversations(c, r => r.GetByLegacyIdAsync(c.Ids.Legacy, text)), typeof(ArgumentException), "userId");
        }

        // The snapshot and its required parts.
        Add("save: null snapshot", c => c.Service.SaveStateAsync(c.Ids.Uuid, User, null!), typeof(ArgumentNullException), "snapshot");
        Add("save: null messages", c => SavePart(c, s => s with { Messages = null! }), typeof(ArgumentNullException), "snapshot.Messages");
        Add("save: null pending tool calls", c => SavePart(c, s => s with { PendingToolCalls = null! }), typeof(ArgumentNullException), "snapshot.PendingToolCalls");
        Add("save: null tools dict", c => SavePart(c, s => s with { ToolsDict = null! }), typeof(ArgumentNullException), "snapshot.ToolsDict");
        Add("save: null tool schemas", c => SavePart(c, s => s with { ToolSchemas = null! }), typeof(ArgumentNullException), "snapshot.ToolSchemas");
        Add("save: null agent config", c => SavePart(c, s => s with { AgentConfig = null! }), typeof(ArgumentNullException), "snapshot.AgentConfig");

        // Text jsonb cannot hold.
        Json("U+0000 in a message", s => s with { Messages = new object[] { new { role = "user", content = "a\0b" } } }, "$.messages");
        Json("U+0000 in a dictionary key", s => s with { ToolsDict = new Dictionary<string, object> { ["send\0email"] = 1 } }, "$.tools_dict");
        Json("U+0000 escaped in a JsonElement", s => s with { AgentConfig = JsonDocument.Parse("""{"a":"x\u0000y"}""").RootElement }, "$.agent_config");
        Json("U+0000 in a JsonNode key", s => s with { ClientTools = new JsonObject { ["k\0"] = 1 } }, "$.client_tools");
        Json("lone high surrogate", s => s with { Messages = new[] { "\uD800" } }, "$.messages");
        Json("lone low surrogate", s => s with { Messages = new[] { "x\uDC00y" } }, "$.messages");
        Json("surrogate pair reversed", s => s with { PendingToolCalls = new[] { "\uDC00\uD800" } }, "$.pending_tool_calls");
        Json("high surrogate cut off at the end", s => s with { ToolSchemas = new[] { "emoji \uD83D" } }, "$.tool_schemas");
        Json("lone surrogate in a key", s => s with { AgentConfig = new Dictionary<string, int> { ["\uDFFF"] = 1 } }, "$.agent_config");
        Json("lone surrogate escaped in a JsonElement", s => s with { AgentConfig = JsonDocument.Parse("""{"a":"\ud800"}""").RootElement }, "$.agent_config");

        // Numbers jsonb cannot hold.
        Json("NaN", s => s with { AgentConfig = new { temperature = double.NaN } }, "$.agent_config");
        Json("positive infinity", s => s with { AgentConfig = new { temperature = float.PositiveInfinity } }, "$.agent_config");
        Json("negative infinity deep in a message", s => s with { Messages = new object[] { new { content = new[] { 1.0, double.NegativeInfinity } } } }, "$.messages");
        Json("Half NaN", s => s with { ClientTools = new[] { Half.NaN } }, "$.client_tools");
        Json("1e999999 in a JsonElement", s => s with { AgentConfig = JsonDocument.Parse("""{"n":1e999999}""").RootElement }, "$.agent_config");

        // Structures.
        Json("a list that contains itself", s => s with { Messages = SelfList() }, "$.messages");
        Json("a dictionary that contains itself", s => s with { ToolsDict = SelfDictionary() }, "$.tools_dict");
        Json("an object that contains itself", s => s with { AgentConfig = SelfNode.Create() }, "$.agent_config");
        Json("1,000 nested arrays", s => s with { Messages = Nested(1000) }, "$.messages");
        Json("1,000 nested dictionaries", s => s with { ToolsDict = NestedDictionary(1000) }, "$.tools_dict");
        Json("1,000 nested JsonNodes", s => s with { AgentConfig = NestedNode(1000) }, "$.agent_config");
        Json("1,000 nested arrays in a JsonElement", s => s with { ClientTools = NestedElement(1000) }, "$.client_tools");
        Json("two keys that become equal", s => s with { ToolsDict = new Dictionary<object, int> { [1] = 1, ["1"] = 2 } }, "$.tools_dict");

        // Types the serializer cannot handle.
        Json("a delegate", s => s with { ToolsDict = new Dictionary<string, object> { ["callback"] = (Func<int>)(() => 1) } }, "$.tools_dict");
        Json("an Action", s => s with { AgentConfig = new { run = (Action)(() => { }) } }, "$.agent_config");
        Json("a Stream", s => s with { Messages = new object[] { new MemoryStream([1, 2, 3]) } }, "$.messages");
        Json("a Type", s => s with { ToolSchemas = new object[] { typeof(string) } }, "$.tool_schemas");
        Json("a Task", s => s with { PendingToolCalls = new object[] { Task.CompletedTask } }, "$.pending_tool_calls");
        Json("a pointer-sized integer", s => s with { AgentConfig = new { handle = (IntPtr)42 } }, "$.agent_config");
        Json("a multi-dimensional array", s => s with { ClientTools = new int[2, 2] }, "$.client_tools");

        // Size: checked before anything is sent.
        Add(
            "save: a 100 MB string",
            c => SavePart(c, s => s with { Messages = new[] { new string('x', 100_000_000) } }),
            typeof(StateTooLargeException),
            jsonPathPrefix: "$.messages");
        Add(
            "save: five 20 MB parts together",
            c =>
            {
                var part = new[] { new string('y', 20_000_000) };
                return SavePart(c, _ => new ContinuationSnapshot(part, part, part, part, part));
            },
            typeof(StateTooLargeException),
            jsonPathPrefix: "$.");

        // TTLs and grace periods.
        Add("save: zero TTL", c => c.Service.SaveStateAsync(c.Ids.Uuid, User, TestData.Snapshot(), TimeSpan.Zero), typeof(ArgumentOutOfRangeException), "ttl");
        Add("save: negative TTL", c => c.Service.SaveStateAsync(c.Ids.Uuid, User, TestData.Snapshot(), TimeSpan.FromTicks(-1)), typeof(ArgumentOutOfRangeException), "ttl");
        Add("save: TimeSpan.MinValue TTL", c => c.Service.SaveStateAsync(c.Ids.Uuid, User, TestData.Snapshot(), TimeSpan.MinValue), typeof(ArgumentOutOfRangeException), "ttl");
        Add("save: TimeSpan.MaxValue TTL", c => c.Service.SaveStateAsync(c.Ids.Uuid, User, TestData.Snapshot(), TimeSpan.MaxValue), typeof(ArgumentOutOfRangeException), "ttl");
        Add("save: 366-day TTL", c => c.Service.SaveStateAsync(c.Ids.Uuid, User, TestData.Snapshot(), TimeSpan.FromDays(366)), typeof(ArgumentOutOfRangeException), "ttl");
        Add("release: zero TTL", c => c.Service.ReleaseClaimAsync(c.Victim, User, TimeSpan.Zero), typeof(ArgumentOutOfRangeException), "ttl");
        Add("fenced release: negative TTL", c => c.Service.ReleaseClaimAsync(Forge(c.Loaded.Id, Guid.NewGuid(), c.Loaded.ConversationId, User, DateTimeOffset.UtcNow), TimeSpan.FromSeconds(-1)), typeof(ArgumentOutOfRangeException), "ttl");
        Add("revert: negative grace", c => c.Service.RevertStaleResumingAsync(TimeSpan.FromSeconds(-1)), typeof(ArgumentOutOfRangeException), "grace");
        Add("revert: TimeSpan.MaxValue grace", c => c.Service.RevertStaleResumingAsync(TimeSpan.MaxValue), typeof(ArgumentOutOfRangeException), "grace");

        // Fenced calls need a state that came from a claim.
        Add("fenced delete: null state", c => c.Service.DeleteStateAsync(null!), typeof(ArgumentNullException), "claimed");
        Add("fenced release: null state", c => c.Service.ReleaseClaimAsync((PendingToolState)null!), typeof(ArgumentNullException), "claimed");
        Add("fenced delete: a loaded (unclaimed) state", c => c.Service.DeleteStateAsync(c.Loaded), typeof(ArgumentException), "claimed");
        Add("fenced release: a loaded (unclaimed) state", c => c.Service.ReleaseClaimAsync(c.Loaded), typeof(ArgumentException), "claimed");

        return cases;

        void Add(string name, Func<Context, Task> act, Type expected, string? paramName = null, string? jsonPathPrefix = null, bool reachesServer = false)
            => cases.Add(name, new HostileCase(act, expected, paramName, jsonPathPrefix, reachesServer));

        void Json(string name, Func<ContinuationSnapshot, ContinuationSnapshot> change, string jsonPathPrefix)
            => Add("save: " + name, c => SavePart(c, change), typeof(ContinuationJsonException), jsonPathPrefix: jsonPathPrefix);
    }

    /// <summary>A claimed-looking copy of the victim's state under another user id, as a host could build one.</summary>
    private static PendingToolState ForgeFor(Context context, string userId, string? resumeId = null)
    {
        var forged = Forge(context.Loaded.Id, Guid.NewGuid(), context.Loaded.ConversationId, userId, DateTimeOffset.UtcNow);
        return resumeId is null ? forged : new PendingToolState
        {
            Id = forged.Id, ConversationId = forged.ConversationId, UserId = forged.UserId, Messages = forged.Messages,
            PendingToolCalls = forged.PendingToolCalls, ToolsDict = forged.ToolsDict, ToolSchemas = forged.ToolSchemas,
            AgentConfig = forged.AgentConfig, CreatedAt = forged.CreatedAt, ExpiresAt = forged.ExpiresAt, Status = forged.Status,
            ResumedAt = forged.ResumedAt, ClaimToken = forged.ClaimToken, ResumeId = resumeId,
        };
    }

    private static async Task OnRepository(Context context, Func<PendingToolStateRepository, Task> act)
    {
        await using var connection = await context.DataSource.OpenConnectionAsync();
        await act(new PendingToolStateRepository(connection));
    }

    private static async Task OnConversations(Context context, Func<ConversationsRepository, Task> act)
    {
        await using var connection = await context.DataSource.OpenConnectionAsync();
        await act(new ConversationsRepository(connection));
    }

    private static Task Save(Context context, string conversationId)
        => context.Service.SaveStateAsync(conversationId, User, TestData.Snapshot());

    private static Task SavePart(Context context, Func<ContinuationSnapshot, ContinuationSnapshot> change)
        => context.Service.SaveStateAsync(context.Ids.Uuid, User, change(TestData.Snapshot()));

    private static List<object> SelfList()
    {
        var list = new List<object> { "first" };
        list.Add(new object[] { list });
        return list;
    }

    private static Dictionary<string, object> SelfDictionary()
    {
        var dictionary = new Dictionary<string, object> { ["name"] = "tool" };
        dictionary["self"] = dictionary;
        return dictionary;
    }

    private static object Nested(int depth)
    {
        object value = "leaf";
        for (var i = 0; i < depth; i++)
        {
            value = new[] { value };
        }

        return value;
    }

    private static Dictionary<string, object> NestedDictionary(int depth)
    {
        var value = new Dictionary<string, object> { ["leaf"] = 1 };
        for (var i = 1; i < depth; i++)
        {
            value = new Dictionary<string, object> { ["n"] = value };
        }

        return value;
    }

    private static JsonNode NestedNode(int depth)
    {
        JsonNode value = new JsonObject { ["leaf"] = 1 };
        for (var i = 1; i < depth; i++)
        {
            value = new JsonObject { ["n"] = value };
        }

        return value;
    }

    private static JsonElement NestedElement(int depth)
    {
        var text = new StringBuilder().Append('[', depth).Append(']', depth).ToString();
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = depth + 1 });
        return document.RootElement.Clone();
    }

    /// <summary>The ids of a conversation with no state: its UUID and the legacy id of a second one.</summary>
    private sealed record Ids(string Uuid, string Legacy);

    private sealed record Context(ContinuationService Service, Ids Ids, string Victim, PendingToolState Loaded, Npgsql.NpgsqlDataSource DataSource);

    private sealed record HostileCase(Func<Context, Task> Act, Type Expected, string? ParamName, string? JsonPathPrefix, bool ReachesServer);

    /// <summary>A plain class whose property points back at itself.</summary>
    private sealed class SelfNode
    {
        public string Name { get; init; } = "node";

        public SelfNode? Next { get; set; }

        public static SelfNode Create()
        {
            var node = new SelfNode();
            node.Next = node;
            return node;
        }
    }
}
