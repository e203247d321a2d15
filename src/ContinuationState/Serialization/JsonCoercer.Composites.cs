using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ContinuationState.Serialization;

/// <summary>
/// Everything that is not a scalar, by the System.Text.Json contract of its runtime type: objects member by member
/// (names, <c>[JsonPropertyName]</c>, <c>[JsonIgnore]</c>, the naming policy and ignore conditions, extension data),
/// dictionaries and enumerables item by item, types with a converter through that converter. Walked here rather than
/// by the serializer so that every value gets the policies and a path. An object whose base type is polymorphic
/// (<c>[JsonPolymorphic]</c>, <c>[JsonDerivedType]</c>, or a resolver's <see cref="JsonPolymorphismOptions"/>, as
/// Microsoft.Extensions.AI's <c>AIContent</c> has) gets the base's discriminator (<c>$type</c>) first, then its own
/// members; a derived type the base does not know is refused as System.Text.Json refuses it.
/// </summary>
internal sealed partial class JsonCoercer
{
    // default(T) of value-type properties, for JsonIgnoreCondition.WhenWritingDefault.
    private static readonly ConcurrentDictionary<Type, object?> DefaultValues = new();

    // Contracts by runtime type, for each serializer options: read-only once used, so what they say of a type never
    // changes, and a save need not ask again (its polymorphic base takes a look at every base type and interface).
    private static readonly ConditionalWeakTable<JsonSerializerOptions, ConcurrentDictionary<Type, Contract>> ContractsByOptions = new();

    private void WriteComposite(object value)
    {
        var type = value.GetType();
        var contract = ContractOf(type);
        if (value is ITuple tuple)
        {
            // Flat, as ITuple's indexer reads past a long tuple's Rest; System.Text.Json would write Item1... or nothing.
            WriteArray(tuple, Enumerable.Range(0, tuple.Length).Select(i => tuple[i]), _writeValue);
        }
        else if (contract.PolymorphicBase is { } polymorphicBase)
        {
            WritePolymorphic(value, polymorphicBase, contract.Info);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Memory<>) || definition == typeof(ReadOnlyMemory<>)))
        {
            // Its converter writes the items past the policies (a lone surrogate char became U+FFFD): walk them instead.
            WriteValue(type.GetMethod(nameof(Memory<byte>.ToArray))!.Invoke(value, null));
        }
        else if (contract.Info.Kind == JsonTypeInfoKind.Object)
        {
            WriteContractObject(value, contract.Info);
        }
        else if (contract.Info.Kind == JsonTypeInfoKind.Dictionary)
        {
            WriteObject(value, MembersOf(value), _writeValue);
        }
        else if (contract.Info.Kind == JsonTypeInfoKind.Enumerable && value is IEnumerable items)
        {
            WriteArray(value, items.Cast<object?>(), _writeValue);
        }
        else
        {
            WriteWithConverter(value, contract.Info);
        }
    }

    private Contract ContractOf(Type type)
    {
        if (!_contracts.TryGetValue(type, out var contract))
        {
            try
            {
                var reason = NotDataReason(type);
                contract = reason is null ? new Contract(_serializerOptions.GetTypeInfo(type), PolymorphicBaseOf(type)) : throw Unsupported(type, reason);
            }
            catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                throw Unsupported(type, exception.Message, exception);
            }

            _contracts.TryAdd(type, contract);
        }

        return contract;
    }

    private readonly record struct Contract(JsonTypeInfo Info, JsonTypeInfo? PolymorphicBase);

    /// <summary>
    /// Why a type System.Text.Json would walk into as an object (or half-serialize) is not data, else null: better a
    /// clear error at save time than a row nobody can read. The serializer itself refuses delegates, reflection
    /// objects, native pointers and multi-dimensional arrays.
    /// </summary>
    private static string? NotDataReason(Type type) =>
        typeof(Stream).IsAssignableFrom(type) ? "streams must be read into a byte[] or string first"
        : typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? "tasks must be awaited first"
        : type == typeof(CancellationToken) || typeof(WaitHandle).IsAssignableFrom(type) ? "synchronization objects are not data"
        : type == typeof(System.Reflection.Pointer) ? "native pointers mean nothing outside this process"
        : null;

    /// <summary>
    /// The polymorphic base to write <paramref name="type"/> by: the outermost base class (else interface) that lists
    /// it as a derived type, as a collection of the root type (<c>IList&lt;AIContent&gt;</c>) is what reads it back;
    /// else the nearest polymorphic one, whose contract then refuses the unknown type. Null when no base is polymorphic.
    /// </summary>
    private JsonTypeInfo? PolymorphicBaseOf(Type type)
    {
        List<JsonTypeInfo> bases = [];
        for (var candidate = type.BaseType; candidate is not null && candidate != typeof(object) && candidate != typeof(ValueType); candidate = candidate.BaseType)
        {
            bases.AddRange(PolymorphicContract(candidate));
        }

        bases = bases.Count > 0 ? bases : [.. type.GetInterfaces().SelectMany(PolymorphicContract)];
        return bases.LastOrDefault(info => info.PolymorphismOptions!.DerivedTypes.Any(derived => derived.DerivedType == type)) ?? bases.FirstOrDefault();
    }

    private IEnumerable<JsonTypeInfo> PolymorphicContract(Type candidate)
    {
        JsonTypeInfo info;
        try
        {
            info = _serializerOptions.GetTypeInfo(candidate);
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            yield break; // a base System.Text.Json cannot describe (an open generic, a ref struct) declares no polymorphism either
        }

        if (info.PolymorphismOptions is { DerivedTypes.Count: > 0 })
        {
            yield return info;
        }
    }

    /// <summary>
    /// A value its polymorphic base lists: the base's discriminator first, as System.Text.Json writes it (walking the
    /// value's own contract alone would drop it), then its own contract under the policies, like any object. A value
    /// the base does not list goes through the base's converter, which refuses it (or falls back as the base says).
    /// </summary>
    private void WritePolymorphic(object value, JsonTypeInfo polymorphicBase, JsonTypeInfo own)
    {
        var polymorphism = polymorphicBase.PolymorphismOptions!;
        var listed = polymorphism.DerivedTypes.FirstOrDefault(derived => derived.DerivedType == value.GetType());
        if (listed.DerivedType is null || own.Kind != JsonTypeInfoKind.Object)
        {
            WriteWithConverter(value, polymorphicBase);
            return;
        }

        WriteContractObject(value, own, listed.TypeDiscriminator is { } id ? (polymorphism.TypeDiscriminatorPropertyName, id) : null);
    }

    private void WriteContractObject(object value, JsonTypeInfo info, (string Name, object Id)? discriminator = null)
    {
        Enter(value);
        _writer.WriteStartObject();
        var names = MemberNamesAtThisDepth();
        if (discriminator is var (name, id))
        {
            BeginMember(name, names);
            WriteValue(id);
            EndMember();
        }

        foreach (var property in info.Properties)
        {
            // [JsonIgnore] (always) leaves the property in the contract without a getter.
            if (property.Get is not { } getter)
            {
                continue;
            }

            object? member;
            try
            {
                member = getter(value);
            }
            catch (Exception exception) when (exception is not ContinuationStateException)
            {
                throw new ContinuationJsonException(
                    _path.WithName(property.Name),
                    $"Reading property '{property.Name}' of '{TypeNames.Display(value.GetType())}' threw {exception.GetType().Name}.",
                    exception);
            }

            if (!ShouldWrite(value, property, member))
            {
                continue;
            }

            if (property.IsExtensionData)
            {
                // Overflow members are written beside the declared ones, as System.Text.Json does.
                if (member is not null)
                {
                    WriteMembers(member, MembersOf(member), names, _writeValue);
                }

                continue;
            }

            BeginMember(property.Name, names);
            WriteValue(member);
            CheckBudget();
            EndMember();
        }

        _writer.WriteEndObject();
        Exit(value);
    }

    private bool ShouldWrite(object value, JsonPropertyInfo property, object? member)
    {
        if (property.ShouldSerialize is { } shouldSerialize)
        {
            return shouldSerialize(value, member);
        }

        // The options-wide DefaultIgnoreCondition is not exposed as ShouldSerialize, so apply it here unless the
        // property overrides it with its own [JsonIgnore(Condition = ...)].
        var condition = _serializerOptions.DefaultIgnoreCondition;
        if (condition is not (JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault)
            || property.AttributeProvider?.IsDefined(typeof(JsonIgnoreAttribute), inherit: true) == true)
        {
            return true;
        }

        var type = property.PropertyType;
        return member is not null && (condition == JsonIgnoreCondition.WhenWritingNull || !type.IsValueType
            || !member.Equals(DefaultValues.GetOrAdd(type, static t => Activator.CreateInstance(t))));
    }

    /// <summary>
    /// Types System.Text.Json writes with a converter rather than as an object (Uri, Version, types with
    /// <c>[JsonConverter]</c> or a converter in the options), and derived values their base does not list: let the
    /// converter produce JSON, then walk that JSON under the same policies. Types System.Text.Json refuses (Type,
    /// delegates, ...) fail here.
    /// </summary>
    private void WriteWithConverter(object value, JsonTypeInfo info)
    {
        JsonElement element;
        try
        {
            element = JsonSerializer.SerializeToElement(value, info);
        }
        catch (Exception exception) when (exception is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw Unsupported(info.Type, exception.Message, exception);
        }

        WriteElement(element);
    }

    /// <summary>Writes an array item by item; <paramref name="container"/> is null when it cannot take part in a cycle.</summary>
    private void WriteArray<T>(object? container, IEnumerable<T> items, Action<T> writeItem)
    {
        Enter(container);
        _writer.WriteStartArray();
        using (var enumerator = Enumerate(items, container))
        {
            _path.PushIndex(0);
            for (var index = 0; ; index++)
            {
                _path.SetIndex(index);
                if (!Next(enumerator, container))
                {
                    break;
                }

                writeItem(enumerator.Current);
                CheckBudget();
            }

            _path.Pop();
        }

        _writer.WriteEndArray();
        Exit(container);
    }

    private void WriteObject<T>(object? container, IEnumerable<KeyValuePair<string, T>> members, Action<T> writeMember)
    {
        Enter(container);
        _writer.WriteStartObject();
        WriteMembers(container, members, MemberNamesAtThisDepth(), writeMember);
        _writer.WriteEndObject();
        Exit(container);
    }

    /// <summary>Writes members of the object already started; also used for extension data.</summary>
    private void WriteMembers<T>(object? source, IEnumerable<KeyValuePair<string, T>> members, HashSet<string> names, Action<T> writeMember)
    {
        using var enumerator = Enumerate(members, source);
        while (Next(enumerator, source))
        {
            var (name, value) = enumerator.Current;
            BeginMember(name, names);
            writeMember(value);
            CheckBudget();
            EndMember();
        }
    }

    /// <summary>
    /// Enumerating runs the caller's code (an iterator, a lazy query, a collection of its own): what it throws becomes a
    /// <see cref="ContinuationJsonException"/> with the path of the item it could not produce, as a getter's does.
    /// </summary>
    private IEnumerator<T> Enumerate<T>(IEnumerable<T> items, object? source)
    {
        try
        {
            return items.GetEnumerator();
        }
        catch (Exception exception) when (exception is not ContinuationStateException)
        {
            throw EnumerationFailed(source, exception);
        }
    }

    private bool Next<T>(IEnumerator<T> enumerator, object? source)
    {
        try
        {
            return enumerator.MoveNext();
        }
        catch (Exception exception) when (exception is not ContinuationStateException)
        {
            throw EnumerationFailed(source, exception);
        }
    }

    private ContinuationJsonException EnumerationFailed(object? source, Exception exception) => new(
        _path.ToString(),
        $"Enumerating '{TypeNames.Display(source?.GetType() ?? typeof(object))}' threw {exception.GetType().Name}.",
        exception);

    /// <summary>A dictionary's entries with their keys made JSON key text, one at a time as they are written.</summary>
    private IEnumerable<KeyValuePair<string, object?>> MembersOf(object dictionary)
        => EntriesOf(dictionary).Select(entry => KeyValuePair.Create(KeyToString(entry.Key), entry.Value));

    /// <summary>The entries of a dictionary: of any <see cref="IDictionary"/>, else the pairs it enumerates.</summary>
    private IEnumerable<KeyValuePair<object?, object?>> EntriesOf(object dictionary)
    {
        if (dictionary is IDictionary legacy)
        {
            var enumerator = legacy.GetEnumerator();
            while (enumerator.MoveNext())
            {
                yield return new(enumerator.Key, enumerator.Value);
            }

            yield break;
        }

        if (dictionary is not IEnumerable pairs)
        {
            throw Unsupported(dictionary.GetType(), "extension data must be a dictionary");
        }

        // A KeyValuePair's contract has Key and Value, in that order, whatever the naming policy calls them.
        JsonTypeInfo? pair = null;
        foreach (var entry in pairs)
        {
            pair ??= _serializerOptions.GetTypeInfo(entry!.GetType());
            yield return new(pair.Properties[0].Get!(entry!), pair.Properties[1].Get!(entry!));
        }
    }

    /// <summary>
    /// A dictionary key as JSON key text: strings as they are; numbers and bools as their JSON literal; the
    /// fixed-format scalars (dates, Guids, decimals) and enums as their string value; anything else as the compact
    /// JSON written for it as a value (a record key becomes <c>{"X":1}</c>, a tuple key <c>[1,"a"]</c>), or the string
    /// itself when that JSON is a string (a byte[] key becomes its base64 text). BeginMember then applies the text
    /// policies to the result.
    /// </summary>
    private string KeyToString(object? key)
    {
        switch (key)
        {
            case null: throw new ContinuationJsonException(_path.ToString(), "A dictionary key is null; JSON object keys are strings.");
            case string text: return text;
            case char character: return character.ToString();
            case Enum enumValue: return enumValue.ToString();
            case bool flag: return flag ? "true" : "false";
            case double number: return FormatFloat(number);
            case float number: return FormatFloat(number);
            case Half number: return FormatFloat(number);
            case int or long or uint or ulong or short or ushort or byte or sbyte or Int128 or UInt128 or System.Numerics.BigInteger:
                return ((IFormattable)key).ToString(null, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (FormatFixedString(key!) is { } scalar)
        {
            return scalar;
        }

        // Anything else as the JSON this coercer writes for it as a value (so a tuple is an array, and the policies,
        // depth and cycle rules apply), into a writer of its own; canonical, so equal keys are the same text.
        var buffer = new ArrayBufferWriter<byte>();
        var (writer, copyParsedJson) = (_writer, _copyParsedJson);
        using (var keyWriter = new Utf8JsonWriter(buffer, WriterOptions))
        {
            (_writer, _copyParsedJson) = (keyWriter, false);
            try
            {
                WriteValue(key);
            }
            finally
            {
                (_writer, _copyParsedJson) = (writer, copyParsedJson);
            }
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
