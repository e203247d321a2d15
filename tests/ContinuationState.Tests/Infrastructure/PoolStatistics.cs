using System.Diagnostics.Metrics;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>Reads Npgsql's own pool gauge (db.client.connection.count) for one named data source.</summary>
internal static class PoolStatistics
{
    public static long ConnectionsInUse(string dataSourceName) => Read(dataSourceName, "used");

    private static long Read(string dataSourceName, string state)
    {
        long total = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Npgsql" && instrument.Name == "db.client.connection.count")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) => Add(value, tags));
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Add(value, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return total;

        void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? pool = null, measuredState = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "db.client.connection.pool.name")
                {
                    pool = tag.Value as string;
                }
                else if (tag.Key == "db.client.connection.state")
                {
                    measuredState = tag.Value as string;
                }
            }

            if (pool == dataSourceName && measuredState == state)
            {
                total += value;
            }
        }
    }
}
