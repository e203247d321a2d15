using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ContinuationState.Serialization;

/// <summary>
/// Plain objects (classes, records, structs, anonymous types), shaped by System.Text.Json contract metadata:
/// names, <c>[JsonPropertyName]</c>, <c>[JsonIgnore]</c>, the naming policy and ignore conditions, extension data.
/// An object whose base type is polymorphic (<c>[JsonPolymorphic]</c>, <c>[JsonDerivedType]</c>, or a resolver's
/// <see cref="JsonPolymorphismOptions"/>, as Microsoft.Extensions.AI's <c>AIContent</c> has) is written by the base's
/// own contract, so its type discriminator (<c>$type</c>) is kept; a derived type the base does not know is refused
/// as System.Text.Json refuses it, never written without its discriminator.
/// </summary>
internal sealed partial class JsonCoercer
{
    // default(T) of value-type properties, for JsonIgnoreCondition.WhenWritingDefault.
    private static readonly ConcurrentDictionary<Type, object?> DefaultValues = new();

    private void WriteContractValue(object value, Type type)
    {
        // The options cache contracts too, but validate the type on every lookup: a message list asks thousands of times.
        var contracts = _contracts ??= [];
        if (!contracts.TryGetValue(type, out var contract))
        {
            JsonTypeInfo info;
            try
            {
                info = _serializerOptions.GetTypeInfo(type);
            }
            catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                throw Unsupported(type, exception.Message, exception);
            }

            contract = new Contract(info, PolymorphicBaseOf(type));
            contracts.Add(type, contract);
        }

        if (contract.PolymorphicBase is { } polymorphicBase)
        {
            // Only the base's contract writes the discriminator; walking the derived type's own would drop it.
            WriteWithConverter(value, polymorphicBase);
        }
        else if (contract.Info.Kind == JsonTypeInfoKind.Object)
        {
            WriteContractObject(value, contract.Info);
        }
        else
        {
            WriteWithConverter(value, contract.Info);
        }
    }

    /// <summary>
    /// The polymorphic base to write <paramref name="type"/> by: the outermost base class (else interface) that lists
    /// it as a derived type, as a collection of the root type (<c>IList&lt;AIContent&gt;</c>) is what reads it back;
    /// else the nearest polymorphic one, whose contract then refuses the unknown type. Null when no base is polymorphic.
    /// </summary>
    private JsonTypeInfo? PolymorphicBaseOf(Type type)
    {
        JsonTypeInfo? nearest = null;
        JsonTypeInfo? outermostListing = null;
        for (var candidate = type.BaseType; candidate is not null && candidate != typeof(object) && candidate != typeof(ValueType); candidate = candidate.BaseType)
        {
            Consider(candidate);
        }

        if (nearest is null)
        {
            foreach (var candidate in type.GetInterfaces())
            {
                Consider(candidate);
            }
        }

        return outermostListing ?? nearest;

        void Consider(Type candidate)
        {
            if (PolymorphicContract(candidate) is not { } info)
            {
                return;
            }

            nearest ??= info;
            foreach (var derived in info.PolymorphismOptions!.DerivedTypes)
            {
                if (derived.DerivedType == type)
                {
                    outermostListing = info;
                    return;
                }
            }
        }
    }

    private JsonTypeInfo? PolymorphicContract(Type candidate)
    {
        try
        {
            var info = _serializerOptions.GetTypeInfo(candidate);
            return info.PolymorphismOptions is { DerivedTypes.Count: > 0 } ? info : null;
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            // A base System.Text.Json cannot describe (an open generic, a ref struct) declares no polymorphism either.
            return null;
        }
    }

    private readonly record struct Contract(JsonTypeInfo Info, JsonTypeInfo? PolymorphicBase);

    private void WriteContractObject(object value, JsonTypeInfo info)
    {
        Enter(value);
        _writer.WriteStartObject();
        var names = MemberNamesAtThisDepth();
        foreach (var property in info.Properties)
        {
            // [JsonIgnore] (always) leaves the property in the contract without a getter.
            if (property.Get is not { } getter)
            {
                continue;
            }

            var member = ReadProperty(value, property, getter);
            if (!ShouldWrite(value, property, member))
            {
                continue;
            }

            if (property.IsExtensionData)
            {
                // Overflow members are written beside the declared ones, as System.Text.Json does.
                if (member is not null)
                {
                    WriteEntries(EntriesOf(member) ?? throw Unsupported(member.GetType(), "extension data must be a dictionary"), names);
                }

                continue;
            }

            BeginMember(property.Name, names);
            WriteValue(member);
            EndMember();
        }

        _writer.WriteEndObject();
        Exit(value);
    }

    private object? ReadProperty(object value, JsonPropertyInfo property, Func<object, object?> getter)
    {
        try
        {
            return getter(value);
        }
        catch (Exception exception) when (exception is not ContinuationStateException)
        {
            throw new ContinuationJsonException(
                _path.WithName(property.Name),
                $"Reading property '{property.Name}' of '{TypeNames.Display(value.GetType())}' threw {exception.GetType().Name}.",
                exception);
        }
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

        return condition == JsonIgnoreCondition.WhenWritingNull
            ? member is not null
            : member is not null && !member.Equals(DefaultOf(property.PropertyType));
    }

    private static object? DefaultOf(Type type) =>
        type.IsValueType ? DefaultValues.GetOrAdd(type, static t => Activator.CreateInstance(t)) : null;

    /// <summary>
    /// Types System.Text.Json writes with a converter rather than as an object (Uri, Version, types with
    /// <c>[JsonConverter]</c> or a converter in the options): let the converter produce JSON, then walk that JSON
    /// under the same policies. Types System.Text.Json refuses (Type, delegates, ...) fail here.
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
}
