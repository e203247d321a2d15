using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContinuationState.Serialization;

/// <summary>
/// JSON that is already JSON (JsonElement, JsonDocument, JsonNode): copied, but under the same policies, because
/// parsed text can hold <c>\u0000</c>, lone-surrogate escapes and numbers PostgreSQL cannot store.
/// </summary>
internal sealed partial class JsonCoercer
{
    /// <summary>
    /// A JsonElement or JsonDocument given as a value: copied as it was parsed when it may be (one check and one copy,
    /// instead of a walk through the writer), else walked.
    /// </summary>
    private void WriteParsedElement(JsonElement element)
    {
        if (_copyParsedJson && element.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            var raw = JsonMarshal.GetRawUtf8Value(element);
            if (WrittenBytes + raw.Length <= _availableBytes
                && VerbatimJson.CanCopy(element, raw, _options.MaxDepth - _depth, _elementNames ??= new ElementMemberNames()))
            {
                _writer.WriteRawValue(raw, skipInputValidation: true);
                return;
            }
        }

        WriteElement(element);
    }

    private void WriteElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteElementObject(element);
                break;
            case JsonValueKind.Array:
                Enter(null);
                _writer.WriteStartArray();
                _path.PushIndex(0);
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    _path.SetIndex(index++);
                    WriteElement(item);
                    CheckBudget();
                }

                _path.Pop();
                _writer.WriteEndArray();
                Exit(null);
                break;
            case JsonValueKind.String:
                WriteElementString(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.Number:
                WriteJsonNumber(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                _writer.WriteBooleanValue(element.ValueKind == JsonValueKind.True);
                break;
            case JsonValueKind.Null:
                _writer.WriteNullValue();
                break;
            default:
                throw new ContinuationJsonException(_path.ToString(), "default(JsonElement) holds no JSON value.");
        }
    }

    /// <summary>
    /// An object of parsed JSON. Names are read as raw UTF-8 and compared as bytes; only a name with escapes (or
    /// with bytes that are not UTF-8) is decoded to a string, so the text policies can look at it.
    /// </summary>
    private void WriteElementObject(JsonElement element)
    {
        Enter(null);
        _writer.WriteStartObject();
        var names = _elementNames ??= new ElementMemberNames();
        var frame = names.Open();
        foreach (var property in element.EnumerateObject())
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            if (IsPlainUtf8(raw))
            {
                EnsureRoom(raw.Length + 3L);
                if (!names.TryAdd(ref frame, property, decoded: null))
                {
                    throw DuplicateKey(Encoding.UTF8.GetString(raw));
                }

                _writer.WritePropertyName(raw);
                _path.PushName(property);
            }
            else
            {
                var rawName = UnescapeOrThrow(raw);
                EnsureRoom(rawName.Length + 3L);
                var name = ApplyTextPolicies(rawName, keyOfCurrentObject: true);
                if (!names.TryAdd(ref frame, property, Encoding.UTF8.GetBytes(name)))
                {
                    throw DuplicateKey(name);
                }

                _writer.WritePropertyName(name);
                _path.PushName(name);
            }

            WriteElement(property.Value);
            EndMember();
            CheckBudget();
        }

        names.Close(frame);
        _writer.WriteEndObject();
        Exit(null);
    }

    /// <summary>
    /// A string of parsed JSON, given as its raw token (quotes included). Text already in the form the writer would
    /// give it is copied as it is; other text without escapes is written from its UTF-8; escapes are decoded into a
    /// scratch buffer; only text whose escapes stand for U+0000 or an unpaired surrogate (or that is not UTF-8)
    /// becomes a string, for the text policies.
    /// </summary>
    private void WriteElementString(ReadOnlySpan<byte> token)
    {
        var raw = token[1..^1];
        if (CanonicalJsonString.IsCanonical(raw))
        {
            EnsureRoom(token.Length);
            _writer.WriteRawValue(token, skipInputValidation: true);
            return;
        }

        if (IsPlainUtf8(raw))
        {
            WriteUtf8String(raw);
            return;
        }

        if (Utf8.IsValid(raw))
        {
            // Every escape is at most six bytes and stands for at least one: fail a huge string before decoding it.
            EnsureRoom((raw.Length / 6) + 2L);
            var scratch = _scratch ??= new PooledBufferWriter(raw.Length);
            var decoded = scratch.GetSpan(raw.Length);
            if (JsonStringUnescaper.TryUnescapeUtf8(raw, decoded, out var length))
            {
                scratch.Advance(length);
                WriteUtf8String(scratch.WrittenSpan);
                scratch.Clear();
                return;
            }

            // Given up part-way (an escape the text policies must see): what was decoded is user text that was never
            // committed, so the buffer's own clearing would miss it.
            decoded[..Math.Min(raw.Length, decoded.Length)].Clear();
        }

        WriteString(UnescapeOrThrow(raw));
    }

    /// <summary>
    /// Decodes raw string contents that take the slow path. Bytes that are not UTF-8 (the parser lets them through)
    /// are a value jsonb would store differently: rejected under <see cref="LoneSurrogatePolicy.Reject"/>, replaced by
    /// U+FFFD under <see cref="LoneSurrogatePolicy.Replace"/>, never changed silently.
    /// </summary>
    private string UnescapeOrThrow(ReadOnlySpan<byte> raw)
    {
        try
        {
            return JsonStringUnescaper.Unescape(raw, strict: _options.LoneSurrogates == LoneSurrogatePolicy.Reject);
        }
        catch (DecoderFallbackException e)
        {
            throw new ContinuationJsonException(_path.ToString(), "The string is not valid UTF-8 (ContinuationJsonOptions.LoneSurrogates is Reject).", e);
        }
    }

    /// <summary>Raw JSON string contents that are their own text: no escapes, and valid UTF-8.</summary>
    private static bool IsPlainUtf8(ReadOnlySpan<byte> raw) => !raw.Contains((byte)'\\') && Utf8.IsValid(raw);

    private void WriteJsonNumber(ReadOnlySpan<byte> number)
    {
        if (!PostgresNumeric.Fits(number))
        {
            var preview = Encoding.UTF8.GetString(number[..Math.Min(number.Length, 40)]);
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The number {preview}{(number.Length > 40 ? "..." : string.Empty)} is outside what PostgreSQL numeric can store "
                + $"({PostgresNumeric.MaxIntegerDigits} digits before the point, {PostgresNumeric.MaxFractionDigits} after).");
        }

        EnsureRoom(number.Length);
        _writer.WriteRawValue(number, skipInputValidation: true);
    }

    /// <summary>
    /// The members of a parsed JsonObject. System.Text.Json builds its dictionary on first use and throws its own
    /// exceptions for what it cannot hold (a duplicate name, a name with a lone surrogate): those become ours, with
    /// the path, like the same text given as a JsonElement.
    /// </summary>
    private List<KeyValuePair<string, JsonNode?>> Members(JsonObject jsonObject)
    {
        try
        {
            return [.. jsonObject];
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ContinuationJsonException(_path.ToString(), $"The JSON object cannot be read: {e.Message}", e);
        }
    }

    private void WriteNode(JsonNode node)
    {
        switch (node)
        {
            case JsonObject jsonObject:
                Enter(null);
                _writer.WriteStartObject();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (name, child) in Members(jsonObject))
                {
                    BeginMember(name, names);
                    WriteValue(child);
                    EndMember();
                }

                _writer.WriteEndObject();
                Exit(null);
                break;
            case JsonArray array:
                Enter(null);
                _writer.WriteStartArray();
                _path.PushIndex(0);
                for (var i = 0; i < array.Count; i++)
                {
                    _path.SetIndex(i);
                    WriteValue(array[i]);
                }

                _path.Pop();
                _writer.WriteEndArray();
                Exit(null);
                break;
            default:
                WriteJsonValue((JsonValue)node);
                break;
        }
    }

    private void WriteJsonValue(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            WriteElement(element);
        }
        else if (value.TryGetValue<object>(out var clrValue) && clrValue is not JsonValue)
        {
            // A JsonValue made from a CLR value follows the CLR rules: JsonValue.Create(double.NaN) is refused,
            // JsonValue.Create(1.10m) becomes "1.10" like any other decimal.
            WriteValue(clrValue);
        }
        else
        {
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The JsonValue of type '{TypeNames.Display(value.GetType())}' does not expose its value.");
        }
    }
}
