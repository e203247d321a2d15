using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContinuationState.Serialization;

/// <summary>Arrays, tuples, dictionaries, and the conversion of dictionary keys to JSON key strings.</summary>
internal sealed partial class JsonCoercer
{
    private void WriteEnumerable(IEnumerable items)
    {
        Enter(items);
        _writer.WriteStartArray();
        _path.PushIndex(0);
        var index = 0;
        foreach (var item in items)
        {
            _path.SetIndex(index++);
            WriteValue(item);
        }

        _path.Pop();
        _writer.WriteEndArray();
        Exit(items);
    }

    private void WriteTuple(ITuple tuple)
    {
        Enter(tuple);
        _writer.WriteStartArray();
        _path.PushIndex(0);
        for (var i = 0; i < tuple.Length; i++)
        {
            _path.SetIndex(i);
            WriteValue(tuple[i]);
        }

        _path.Pop();
        _writer.WriteEndArray();
        Exit(tuple);
    }

    private void WriteKeyValuePair(KeyValuePair<object?, object?> pair)
    {
        // System.Text.Json's shape for KeyValuePair, naming policy included.
        var policy = _serializerOptions.PropertyNamingPolicy;
        Enter(null);
        _writer.WriteStartObject();
        var names = new HashSet<string>(StringComparer.Ordinal);
        BeginMember(policy?.ConvertName("Key") ?? "Key", names);
        WriteValue(pair.Key);
        EndMember();
        BeginMember(policy?.ConvertName("Value") ?? "Value", names);
        WriteValue(pair.Value);
        EndMember();
        _writer.WriteEndObject();
        Exit(null);
    }

    private void WriteDictionary(object dictionary, IEnumerable<KeyValuePair<object?, object?>> entries)
    {
        Enter(dictionary);
        _writer.WriteStartObject();
        var names = MemberNamesAtThisDepth();
        WriteEntries(entries, names);
        _writer.WriteEndObject();
        Exit(dictionary);
    }

    /// <summary>Writes entries as members of the object already started; also used for extension data.</summary>
    private void WriteEntries(IEnumerable<KeyValuePair<object?, object?>> entries, HashSet<string> names)
    {
        foreach (var (key, value) in entries)
        {
            BeginMember(KeyToString(key), names);
            WriteValue(value);
            EndMember();
        }
    }

    /// <summary>The entries of any dictionary-shaped value, or null when it is not one.</summary>
    private static IEnumerable<KeyValuePair<object?, object?>>? EntriesOf(object value)
    {
        if (value is JsonObject jsonObject)
        {
            return jsonObject.Select(static member => new KeyValuePair<object?, object?>(member.Key, member.Value));
        }

        var shape = TypeShape.Of(value.GetType());
        return shape.Kind switch
        {
            ValueShape.Dictionary => shape.Pairs!.Entries(value),
            ValueShape.LegacyDictionary => LegacyEntries((IDictionary)value),
            _ => null,
        };
    }

    private static IEnumerable<KeyValuePair<object?, object?>> LegacyEntries(IDictionary dictionary)
    {
        var enumerator = dictionary.GetEnumerator();
        while (enumerator.MoveNext())
        {
            yield return new KeyValuePair<object?, object?>(enumerator.Key, enumerator.Value);
        }
    }

    /// <summary>
    /// A dictionary key as JSON key text: strings as they are; numbers and bools as their JSON literal; the
    /// fixed-format scalars (dates, Guids, decimals) and enums as their string value; anything else as its compact
    /// JSON text under these same rules (a record key becomes <c>{"X":1}</c>), or the string itself when that JSON
    /// is a string (a byte[] key becomes its base64 text). Text policies are applied afterwards, by BeginMember.
    /// </summary>
    private string KeyToString(object? key)
    {
        switch (key)
        {
            case string text: return text;
            case char character: return character.ToString();
            case Enum enumValue: return enumValue.ToString();
        }

        if (key is not null && (FormatFixedString(key) ?? FormatNumberOrBoolean(key)) is { } scalar)
        {
            return scalar;
        }

        // Walk the key with its own writer, sharing depth and cycle tracking so that a key which (indirectly)
        // contains this very dictionary is reported as a cycle instead of recursing forever.
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var keyPath = new JsonPathBuilder(_path + "[<key>]");
            using var nested = new JsonCoercer(writer, _options, _serializerOptions, keyPath, _open, _depth, _limitBytes, _availableBytes - WrittenBytes);
            nested.WriteValue(key);
        }

        var json = buffer.WrittenSpan;
        if (json[0] != (byte)'"')
        {
            return System.Text.Encoding.UTF8.GetString(json);
        }

        var reader = new Utf8JsonReader(json);
        reader.Read();
        return reader.GetString()!;
    }
}
