namespace ContinuationState.Serialization;

/// <summary>
/// Reads <see cref="KeyValuePair{TKey, TValue}"/> values and dictionary entries without reflection per item: one
/// instance per pair of type arguments, made once by <see cref="TypeShape"/>.
/// </summary>
internal abstract class PairAccessor
{
    public static PairAccessor Create(Type keyType, Type valueType) =>
        (PairAccessor)Activator.CreateInstance(typeof(PairAccessor<,>).MakeGenericType(keyType, valueType))!;

    /// <summary>Key and value of a boxed <see cref="KeyValuePair{TKey, TValue}"/>.</summary>
    public abstract KeyValuePair<object?, object?> Split(object pair);

    /// <summary>The entries of a dictionary that enumerates <see cref="KeyValuePair{TKey, TValue}"/>.</summary>
    public abstract IEnumerable<KeyValuePair<object?, object?>> Entries(object dictionary);
}

/// <summary>The <see cref="PairAccessor"/> for one pair of key and value types.</summary>
internal sealed class PairAccessor<TKey, TValue> : PairAccessor
{
    public override KeyValuePair<object?, object?> Split(object pair)
    {
        var typed = (KeyValuePair<TKey, TValue>)pair;
        return new KeyValuePair<object?, object?>(typed.Key, typed.Value);
    }

    public override IEnumerable<KeyValuePair<object?, object?>> Entries(object dictionary)
    {
        foreach (var entry in (IEnumerable<KeyValuePair<TKey, TValue>>)dictionary)
        {
            yield return new KeyValuePair<object?, object?>(entry.Key, entry.Value);
        }
    }
}
