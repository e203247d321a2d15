using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace ContinuationState.Serialization;

/// <summary>
/// What kind of container (or non-data) a runtime type is, worked out once per type and cached: the interface
/// checks involve reflection that should not run for every value.
/// </summary>
internal sealed class TypeShape
{
    private static readonly ConcurrentDictionary<Type, TypeShape> Cache = new();

    private TypeShape(ValueShape kind, PairAccessor? pairs = null, string? unsupportedReason = null)
    {
        Kind = kind;
        Pairs = pairs;
        UnsupportedReason = unsupportedReason;
    }

    public ValueShape Kind { get; }

    /// <summary>For <see cref="ValueShape.KeyValuePair"/> and <see cref="ValueShape.Dictionary"/>.</summary>
    public PairAccessor? Pairs { get; }

    /// <summary>For <see cref="ValueShape.Unsupported"/>: why, phrased to follow "cannot be stored as JSON: ".</summary>
    public string? UnsupportedReason { get; }

    public static TypeShape Of(Type type) => Cache.GetOrAdd(type, Classify);

    private static TypeShape Classify(Type type)
    {
        if (FindUnsupportedReason(type) is { } reason)
        {
            return new TypeShape(ValueShape.Unsupported, unsupportedReason: reason);
        }

        if (typeof(ITuple).IsAssignableFrom(type))
        {
            return new TypeShape(ValueShape.Tuple);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            var arguments = type.GetGenericArguments();
            return new TypeShape(ValueShape.KeyValuePair, PairAccessor.Create(arguments[0], arguments[1]));
        }

        if (FindDictionaryInterface(type) is { } dictionary)
        {
            var arguments = dictionary.GetGenericArguments();
            return new TypeShape(ValueShape.Dictionary, PairAccessor.Create(arguments[0], arguments[1]));
        }

        if (typeof(IDictionary).IsAssignableFrom(type))
        {
            return new TypeShape(ValueShape.LegacyDictionary);
        }

        return typeof(IEnumerable).IsAssignableFrom(type)
            ? new TypeShape(ValueShape.Enumerable)
            : new TypeShape(ValueShape.Contract);
    }

    // Types that reflection-based serialization would otherwise walk into (or half-serialize) though they are
    // not data: better a clear error at save time than a row that cannot be understood at load time.
    private static string? FindUnsupportedReason(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return "delegates are code, not data";
        }

        if (typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type) || typeof(Module).IsAssignableFrom(type))
        {
            return "reflection objects (Type, MethodInfo, ...) are not data";
        }

        if (type == typeof(IntPtr) || type == typeof(UIntPtr) || type.IsPointer || type == typeof(Pointer))
        {
            return "native pointers mean nothing outside this process";
        }

        if (typeof(Stream).IsAssignableFrom(type))
        {
            return "streams must be read into a byte[] or string first";
        }

        if (typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return "tasks must be awaited first";
        }

        if (type == typeof(CancellationToken) || typeof(WaitHandle).IsAssignableFrom(type))
        {
            return "synchronization objects are not data";
        }

        if (type.IsArray && type.GetArrayRank() > 1)
        {
            return "multi-dimensional arrays have no JSON form (use jagged arrays)";
        }

        if (Array.Exists(type.GetInterfaces(), i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>)))
        {
            return "async streams must be collected into a list first";
        }

        return null;
    }

    private static Type? FindDictionaryInterface(Type type)
    {
        foreach (var candidate in type.GetInterfaces())
        {
            if (candidate.IsGenericType
                && (candidate.GetGenericTypeDefinition() == typeof(IDictionary<,>)
                    || candidate.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)))
            {
                return candidate;
            }
        }

        return null;
    }
}
