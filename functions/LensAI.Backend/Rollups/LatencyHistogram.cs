using System.Globalization;

namespace LensAI.Backend.Rollups;

/// <summary>
/// A fixed log-scale histogram of durations in milliseconds, stored in every rollup row so that percentiles over any
/// range can be merged (sum the counts of each bucket) instead of approximated from per-bucket percentiles.
/// <para>
/// Buckets: <c>0</c> is [0, 1 ms); bucket <c>k</c> (1…<see cref="Buckets"/>) is [<see cref="Ratio"/>^(k−1),
/// <see cref="Ratio"/>^k) ms, so the last one ends at 1.2^73 ≈ 603,000 ms (about 10 minutes); bucket
/// <see cref="Overflow"/> holds everything longer.
/// </para>
/// <para>
/// Error bound of <see cref="Quantile"/>: for a quantile whose neighbouring order statistics lie in [1 ms, 1.2^73 ms],
/// the estimate <c>e</c> and the exact <c>quantile_cont</c> value <c>t</c> satisfy <c>t / 1.2 ≤ e ≤ 1.2 · t</c>
/// (at most 20 % high or 16.7 % low): each order statistic is estimated inside its own bucket, whose bounds differ by
/// the factor 1.2, and the estimate interpolates between the two neighbouring ones with the same weights as
/// <c>quantile_cont</c>. Below 1 ms the error is under 1 ms; beyond 1.2^73 ms the estimate is 1.2^73 ms, a lower bound.
/// </para>
/// </summary>
internal static class LatencyHistogram
{
    /// <summary>Growth factor between bucket bounds: the relative error bound of a merged percentile.</summary>
    public const double Ratio = 1.2;

    /// <summary>Number of bounded log-scale buckets after the [0, 1 ms) one.</summary>
    public const int Buckets = 73;

    /// <summary>Index of the bucket of durations of 1.2^73 ms and more.</summary>
    public const int Overflow = Buckets + 1;

    private static readonly double s_logRatio = Math.Log(Ratio);

    /// <summary>
    /// The SQL aggregate building the histogram of a column in a GROUP BY: a <c>MAP(SMALLINT, BIGINT)</c> from bucket
    /// index to count, holding only non-empty buckets (NULL durations are not counted; no value at all gives NULL).
    /// </summary>
    public static string Aggregate(string column) => string.Create(CultureInfo.InvariantCulture, $"""
        CAST(histogram(CASE WHEN {column} IS NULL THEN NULL WHEN {column} < 1 THEN 0
          ELSE least({Overflow}, 1 + floor(ln({column}) / ln({Ratio:R})))::SMALLINT END) AS MAP(SMALLINT, BIGINT))
        """);

    /// <summary>The lower bound in milliseconds of a bucket.</summary>
    public static double Lower(int bucket) => bucket <= 0 ? 0 : Math.Pow(Ratio, bucket - 1);

    /// <summary>The bucket of a duration (the same as <see cref="Aggregate"/> computes).</summary>
    public static int BucketOf(double milliseconds)
        => milliseconds < 1 ? 0 : (int)Math.Min(Overflow, 1 + Math.Floor(Math.Log(milliseconds) / s_logRatio));

    /// <summary>
    /// The <paramref name="q"/> quantile (0…1) of merged counts, with <c>quantile_cont</c>'s definition (linear
    /// interpolation between the order statistics around position q·(n−1)), each order statistic estimated inside
    /// its bucket (geometrically for log-scale buckets): see the class remarks for the error bound. Null when empty.
    /// </summary>
    /// <param name="counts">Count of each bucket; a bucket may appear more than once (its counts add up).</param>
    /// <param name="q">The quantile, between 0 and 1.</param>
    public static double? Quantile(IEnumerable<(int Bucket, long Count)> counts, double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        var merged = counts.Where(c => c.Count > 0).GroupBy(c => c.Bucket).Select(g => (Bucket: g.Key, Count: g.Sum(c => c.Count))).OrderBy(c => c.Bucket).ToList();
        var total = merged.Sum(c => c.Count);
        if (total == 0)
        {
            return null;
        }

        var position = q * (total - 1);
        var lower = (long)Math.Floor(position);
        var low = OrderStatistic(merged, lower);
        if (lower + 1 >= total || position == lower)
        {
            return low;
        }

        return low + ((position - lower) * (OrderStatistic(merged, lower + 1) - low));
    }

    /// <summary>Estimate of the <paramref name="rank"/>-th smallest value (0-based): spread evenly inside its bucket.</summary>
    private static double OrderStatistic(List<(int Bucket, long Count)> merged, long rank)
    {
        var before = 0L;
        foreach (var (bucket, count) in merged)
        {
            if (rank < before + count)
            {
                var share = (rank - before + 0.5) / count;
                return bucket switch
                {
                    <= 0 => share,
                    >= Overflow => Lower(Overflow),
                    _ => Lower(bucket) * Math.Pow(Ratio, share),
                };
            }

            before += count;
        }

        throw new ArgumentOutOfRangeException(nameof(rank), rank, "The rank is beyond the histogram's count.");
    }
}
