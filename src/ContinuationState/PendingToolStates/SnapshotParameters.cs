using System.Data;
using System.Runtime.InteropServices;
using ContinuationState.Serialization;
using Dapper;
using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// A snapshot's parts serialized to jsonb. Every part is serialized, and checked against one byte budget, before
/// anything is sent: a bad value never leaves a half-written row. The parts are written one after another with one
/// writer into one pooled array, which the parameters point into; dispose this once the statement has run, which
/// zeroes the array and returns it to the pool.
/// </summary>
internal sealed class SnapshotParameters : IDisposable
{
    private JsonColumnWriter? _columns;
    private bool _keepOutOfPool;
    private readonly ReadOnlyMemory<byte> _messages;
    private readonly ReadOnlyMemory<byte> _pendingToolCalls;
    private readonly ReadOnlyMemory<byte> _toolsDict;
    private readonly ReadOnlyMemory<byte> _toolSchemas;
    private readonly ReadOnlyMemory<byte> _agentConfig;
    private readonly ReadOnlyMemory<byte>? _clientTools;

    private SnapshotParameters(ContinuationSnapshot snapshot, ContinuationJsonOptions options)
    {
        Required(snapshot.Messages, nameof(snapshot.Messages));
        Required(snapshot.PendingToolCalls, nameof(snapshot.PendingToolCalls));
        Required(snapshot.ToolsDict, nameof(snapshot.ToolsDict));
        Required(snapshot.ToolSchemas, nameof(snapshot.ToolSchemas));
        Required(snapshot.AgentConfig, nameof(snapshot.AgentConfig));

        Range messages, pendingToolCalls, toolsDict, toolSchemas, agentConfig;
        Range? clientTools;
        ReadOnlyMemory<byte> json;
        try
        {
            json = Write(snapshot, options, forJsonb: true, out messages, out pendingToolCalls, out toolsDict, out toolSchemas, out agentConfig, out clientTools);
        }
        catch (StateTooLargeException)
        {
            // Parsed JSON sent as parsed counts its own spacing and escapes against MaxBytes; a state that fits only
            // once rewritten compactly must still be stored, so the limit's verdict is the full walk's.
            json = Write(snapshot, options, forJsonb: false, out messages, out pendingToolCalls, out toolsDict, out toolSchemas, out agentConfig, out clientTools);
        }

        _messages = json[messages];
        _pendingToolCalls = json[pendingToolCalls];
        _toolsDict = json[toolsDict];
        _toolSchemas = json[toolSchemas];
        _agentConfig = json[agentConfig];
        if (clientTools is { } range)
        {
            // Not a conditional expression: there, null would become an empty array, sent as invalid jsonb.
            _clientTools = json[range];
        }

        TotalBytes = json.Length;
    }

    private ReadOnlyMemory<byte> Write(
        ContinuationSnapshot snapshot,
        ContinuationJsonOptions options,
        bool forJsonb,
        out Range messages,
        out Range pendingToolCalls,
        out Range toolsDict,
        out Range toolSchemas,
        out Range agentConfig,
        out Range? clientTools)
    {
        var budget = new ContinuationJsonBudget(options.MaxBytes);
        var expectedBytes = (long)JsonColumnWriter.ParsedJsonLength(snapshot.Messages) + JsonColumnWriter.ParsedJsonLength(snapshot.PendingToolCalls)
            + JsonColumnWriter.ParsedJsonLength(snapshot.ToolsDict) + JsonColumnWriter.ParsedJsonLength(snapshot.ToolSchemas)
            + JsonColumnWriter.ParsedJsonLength(snapshot.AgentConfig) + JsonColumnWriter.ParsedJsonLength(snapshot.ClientTools);
        var columns = new JsonColumnWriter(options, budget, expectedBytes, forJsonb);
        try
        {
            messages = columns.Write(snapshot.Messages, "$.messages");
            pendingToolCalls = columns.Write(snapshot.PendingToolCalls, "$.pending_tool_calls");
            toolsDict = columns.Write(snapshot.ToolsDict, "$.tools_dict");
            toolSchemas = columns.Write(snapshot.ToolSchemas, "$.tool_schemas");
            agentConfig = columns.Write(snapshot.AgentConfig, "$.agent_config");
            clientTools = snapshot.ClientTools is null ? null : columns.Write(snapshot.ClientTools, "$.client_tools");
        }
        catch
        {
            columns.Dispose();
            throw;
        }

        // Dispose zeroes the array before it goes back to the pool: it holds user state.
        _columns = columns;
        return columns.WrittenMemory;
    }

    /// <summary>The JSON size of all parts together.</summary>
    public long TotalBytes { get; }

    /// <summary>
    /// Zeroes the parts and returns their array to the pool (or, after <see cref="KeepOutOfPool"/>, only zeroes it);
    /// the parameters must not be used after.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _columns, null) is { } columns)
        {
            if (Volatile.Read(ref _keepOutOfPool))
            {
                MemoryMarshal.AsMemory(columns.WrittenMemory).Span.Clear();
            }
            else
            {
                columns.Dispose();
            }
        }
    }

    /// <summary>
    /// Leaves the array to the garbage collector instead of the pool: a statement that failed below the server (a
    /// broken connection, a cancellation mid-send) may leave the driver still reading it.
    /// </summary>
    public void KeepOutOfPool() => Volatile.Write(ref _keepOutOfPool, true);

    public static SnapshotParameters Serialize(ContinuationSnapshot snapshot, ContinuationJsonOptions options) => new(snapshot, options);

    /// <summary>
    /// The save statement's parameters: the parts, and the key and TTL. Typed and added to the command directly
    /// (Dapper calls <see cref="SqlMapper.IDynamicParameters.AddParameters"/> once per execution), which spares a
    /// save the property bag and the per-value type inference of <see cref="DynamicParameters"/>.
    /// </summary>
    public SqlMapper.IDynamicParameters ToSaveParameters(ConversationReference conversation, string userId, double ttlSeconds)
        => new SaveParameters(this, conversation, userId, ttlSeconds);

    /// <summary>The parts after <paramref name="keys"/>: for statements that save the parts under other keys (a fence).</summary>
    public SqlMapper.IDynamicParameters WithKeys(DynamicParameters keys) => new KeyedParameters(this, keys);

    private sealed class KeyedParameters(SnapshotParameters parts, SqlMapper.IDynamicParameters keys) : SqlMapper.IDynamicParameters
    {
        public void AddParameters(IDbCommand command, SqlMapper.Identity identity)
        {
            keys.AddParameters(command, identity);
            parts.AddParts(command.Parameters);
        }
    }

    private void AddParts(IDataParameterCollection parameters)
    {
        parameters.Add(JsonbParameter.Create("messages", _messages));
        parameters.Add(JsonbParameter.Create("pending_tool_calls", _pendingToolCalls));
        parameters.Add(JsonbParameter.Create("tools_dict", _toolsDict));
        parameters.Add(JsonbParameter.Create("tool_schemas", _toolSchemas));
        parameters.Add(JsonbParameter.Create("agent_config", _agentConfig));
        parameters.Add(JsonbParameter.Create("client_tools", _clientTools));
    }

    private sealed class SaveParameters(SnapshotParameters parts, ConversationReference conversation, string userId, double ttlSeconds) : SqlMapper.IDynamicParameters
    {
        public void AddParameters(IDbCommand command, SqlMapper.Identity identity)
        {
            var parameters = command.Parameters;
            conversation.AddKeyTo(parameters, userId);
            parameters.Add(new NpgsqlParameter<double>("ttl_seconds", ttlSeconds));
            parts.AddParts(parameters);
        }
    }

    // The columns are NOT NULL; a missing part is a caller's bug, named here rather than stored as JSON null.
    private static void Required(object? part, string name)
    {
        if (part is null)
        {
            throw new ArgumentNullException($"snapshot.{name}", $"ContinuationSnapshot.{name} is required.");
        }
    }
}
