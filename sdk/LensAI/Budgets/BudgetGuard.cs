using System.Collections.Concurrent;
using System.Globalization;
using LensAI.Diagnostics;
using LensAI.Pricing;
using Microsoft.Extensions.Logging;

namespace LensAI.Budgets;

/// <summary>
/// The SDK side of the kill-switch. Keeps the last status document (<see cref="BudgetStatusPoller"/> hands each new
/// one to <see cref="Apply"/>), and adds to each budget the spend this process has recorded since the document's
/// <c>generated_at</c> and the estimated maximum cost of calls in flight, so concurrent calls cannot overshoot a
/// limit together. <see cref="Check"/> runs before every captured call; it never throws for
/// LensAI's own reasons (the hooks treat a failure as "allowed").
/// </summary>
internal sealed class BudgetGuard
{
    /// <summary>In-process spend remembered for the next document (a poll or two); beyond this, the oldest is forgotten.</summary>
    internal const int JournalCapacity = 16_384;

    /// <summary>A reservation whose call never recorded its event (a response never read nor disposed) is released after this.</summary>
    internal static readonly TimeSpan ReservationTimeout = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan s_budgetLogInterval = TimeSpan.FromMinutes(1);
    private const int MaxLoggedBudgets = 1024;
    private const int MaxStrippedModels = 1024;

    private readonly LensAIBudgetOptions _options;
    private readonly PriceCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly LensAIMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IReadOnlyDictionary<string, string>? _defaultMetadata;
    private readonly long _shippingGraceTicks;
    private readonly object _gate = new();
    private readonly Queue<JournalEntry> _journal = new();
    private readonly EstimateRates?[] _rates = new EstimateRates?[8];
    private readonly ConcurrentDictionary<string, string> _strippedModels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _budgetLogged = new(StringComparer.Ordinal);
    private BudgetReservation? _inFlight; // head of the list of reservations, guarded by _gate
    private int _inFlightCount;
    private int _nextRate;
    private Dictionary<(string, string, string?), BudgetAccumulator> _accumulators = new();
    private volatile BudgetSnapshot? _snapshot;
    private int _guardErrorLogged;

    public BudgetGuard(LensAIOptions options, PriceCatalog catalog, TimeProvider time, LensAIMetrics metrics, ILogger logger)
    {
        _options = options.Budgets;
        _catalog = catalog;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _defaultMetadata = options.DefaultMetadata.Count > 0 ? new Dictionary<string, string>(options.DefaultMetadata, StringComparer.Ordinal) : null;
        _shippingGraceTicks = options.MaxBatchDelay.Ticks;
    }

    /// <summary>Whether the last document has any budget (if not, <see cref="Check"/> has nothing to do).</summary>
    public bool HasBudgets => _snapshot is { Entries.Length: > 0 };

    /// <summary>The last status document received, if any.</summary>
    internal BudgetStatusDocument? Document => _snapshot?.Document;

    /// <summary>Reservations held for calls in flight.</summary>
    internal int Reservations
    {
        get
        {
            lock (_gate)
            {
                return _inFlightCount;
            }
        }
    }

    /// <summary>Estimated cost currently held for calls in flight, summed over reservations.</summary>
    internal long InFlightNano
    {
        get
        {
            lock (_gate)
            {
                long total = 0;
                for (var r = _inFlight; r is not null; r = r.Next)
                {
                    total += r.Nano;
                }

                return total;
            }
        }
    }

    /// <summary>
    /// Decides whether a call may be sent. Allowed calls that fall under a budget with action <c>block</c> get their
    /// estimate reserved (release it through <see cref="OnRecorded"/> or <see cref="Release"/>). In
    /// <see cref="BudgetEnforcementMode.Warn"/> mode a call over a budget is allowed, counted and logged.
    /// </summary>
    public BudgetDecision Check(in BudgetRequest request)
    {
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Entries.Length == 0)
        {
            return default;
        }

        var nowTicks = _time.GetUtcNow().UtcTicks;
        var matches = new EntryMatches(stackalloc int[16]);
        try
        {
            snapshot.Match(ref matches, request.Model, StrippedModel(snapshot, request.Model), request.Attribution.UserId, request.Attribution.Route,
                request.Attribution.Metadata, _defaultMetadata);
            if (matches.Count == 0)
            {
                return default;
            }

            var entries = snapshot.Entries;
            BudgetEntry? flagged = null;
            var enforced = false;
            foreach (var index in matches.Items)
            {
                var entry = entries[index];
                if (!entry.InForce(nowTicks))
                {
                    continue;
                }

                if (entry.Status.Blocked)
                {
                    flagged ??= entry;
                }

                enforced |= entry.Enforces;
            }

            var block = _options.Mode == BudgetEnforcementMode.Block;
            if (flagged is not null && block)
            {
                return new BudgetDecision(flagged, BudgetBlockReason.Flagged, Committed(flagged), 0);
            }

            if (!enforced)
            {
                if (flagged is not null)
                {
                    Warn(flagged, BudgetBlockReason.Flagged, Committed(flagged), 0);
                }

                return default;
            }

            var estimate = Estimate(request, out var unpriced);
            BudgetEntry? over = null;
            long overCommitted = 0;
            BudgetReservation? reservation = null;
            lock (_gate)
            {
                foreach (var index in matches.Items)
                {
                    var entry = entries[index];
                    if (!entry.Enforces || !entry.InForce(nowTicks))
                    {
                        continue;
                    }

                    // At or over the limit already, or this call could take it over: stop it.
                    var committed = entry.SpentNano + entry.LocalNano + entry.Accumulator.ReservedNano;
                    if (committed >= entry.LimitNano || committed + estimate > entry.LimitNano)
                    {
                        over = entry;
                        overCommitted = committed;
                        break;
                    }
                }

                if (over is null || !block)
                {
                    if (estimate > 0)
                    {
                        reservation = new BudgetReservation(estimate, nowTicks);
                        foreach (var index in matches.Items)
                        {
                            var entry = entries[index];
                            if (entry.Enforces && entry.InForce(nowTicks))
                            {
                                reservation.Hold(entry.Accumulator);
                            }
                        }

                        Link(reservation);
                    }
                }
            }

            if (over is not null)
            {
                if (block)
                {
                    return new BudgetDecision(over, BudgetBlockReason.Projected, overCommitted, estimate, unpriced ? request.Model : null);
                }

                Warn(over, BudgetBlockReason.Projected, overCommitted, estimate, unpriced ? request.Model : null);
            }
            else if (flagged is not null)
            {
                Warn(flagged, BudgetBlockReason.Flagged, Committed(flagged), 0);
            }

            return new BudgetDecision(reservation);
        }
        finally
        {
            matches.Dispose();
        }
    }

    /// <summary>
    /// A call's event was recorded: its cost counts against the budgets it falls under (until the next document's
    /// <c>generated_at</c> covers it), and its reservation, if any, is released.
    /// </summary>
    public void OnRecorded(UsageEvent usageEvent, BudgetReservation? reservation)
    {
        var cost = usageEvent.CostUsd is { } usd ? NanoUsd.From(usd) : 0;
        if (cost == 0 && reservation is null)
        {
            return;
        }

        // When the call ended, on the same clock as the documents: its start plus its latency (no clock read).
        var nowTicks = usageEvent.Timestamp.UtcTicks + (usageEvent.LatencyMs * TimeSpan.TicksPerMillisecond);
        var snapshot = _snapshot;
        var matches = new EntryMatches(stackalloc int[16]);
        try
        {
            if (cost > 0 && snapshot is { Entries.Length: > 0 })
            {
                snapshot.Match(ref matches, usageEvent.Model, StrippedModel(snapshot, usageEvent.Model), usageEvent.UserId, usageEvent.Route, usageEvent.Metadata, null);
            }

            lock (_gate)
            {
                if (cost > 0 && !ReferenceEquals(snapshot, _snapshot) && _snapshot is { } current)
                {
                    // A new document arrived meanwhile (and took the journal as it was): count against it instead.
                    snapshot = current;
                    matches.Clear();
                    snapshot.Match(ref matches, usageEvent.Model, StrippedModel(snapshot, usageEvent.Model), usageEvent.UserId, usageEvent.Route, usageEvent.Metadata, null);
                }

                if (cost > 0)
                {
                    var entries = snapshot?.Entries;
                    foreach (var index in matches.Items)
                    {
                        var entry = entries![index];
                        if (entry.Counts(nowTicks))
                        {
                            entry.LocalNano += cost;
                        }
                    }

                    if (_journal.Count >= JournalCapacity)
                    {
                        _journal.Dequeue();
                    }

                    _journal.Enqueue(new JournalEntry(nowTicks, cost, usageEvent.Model, usageEvent.UserId, usageEvent.Route, usageEvent.Metadata));
                }

                if (reservation is not null && !reservation.Released)
                {
                    reservation.Release();
                    Unlink(reservation);
                }
            }
        }
        finally
        {
            matches.Dispose();
        }
    }

    /// <summary>Releases a reservation whose call will record no event of its own (or recorded it elsewhere).</summary>
    public void Release(BudgetReservation? reservation)
    {
        if (reservation is null)
        {
            return;
        }

        lock (_gate)
        {
            if (!reservation.Released)
            {
                reservation.Release();
                Unlink(reservation);
            }
        }
    }

    /// <summary>Counts and logs (rate-limited) a blocked call and returns the exception the hook throws.</summary>
    public LensAIBudgetExceededException OnBlocked(in BudgetDecision decision)
    {
        var entry = decision.BlockedBy!;
        var status = entry.Status;
        var detail = Detail(entry, decision.Reason, decision.CommittedNano, decision.EstimateNano, decision.UnpricedModel);
        _metrics.BudgetBlocked.Add(1, new KeyValuePair<string, object?>("scope", status.Scope));
        if (ShouldLog(status.BudgetId))
        {
            Log.BudgetBlocked(_logger, status.BudgetId, status.Scope, status.ScopeValue, status.Period, detail);
        }

        return new LensAIBudgetExceededException(status.BudgetId, status.Scope, status.ScopeValue, status.Period, status.PeriodEnd, detail);
    }

    /// <summary>An IChatClient call over a budget went to its configured fallback model.</summary>
    public void OnFallback() => _metrics.BudgetFallbacks.Add(1);

    /// <summary>A failure inside the guard: counted, logged once, and the call is allowed.</summary>
    public void OnGuardError(Exception exception)
    {
        _metrics.BudgetErrors.Add(1);
        if (Interlocked.Exchange(ref _guardErrorLogged, 1) == 0)
        {
            Log.BudgetGuardFailed(_logger, exception);
        }
    }

    /// <summary>
    /// Makes <paramref name="document"/> the status in force (a poll's answer; tests and benchmarks call it directly).
    /// Polls are serialized, so only the swap and the journal replay need the lock.
    /// </summary>
    internal void Apply(BudgetStatusDocument document)
    {
        var snapshot = BudgetSnapshot.Build(document, _accumulators, out var accumulators);
        _accumulators = accumulators;
        lock (_gate)
        {

            // Spend this process recorded since the document was generated is not in its figures yet; nor, probably,
            // spend recorded just before it (events reach the backend up to MaxBatchDelay after they are recorded):
            // counting those twice for one poll is the safe side of the error.
            var cutoff = snapshot.GeneratedAtTicks - _shippingGraceTicks;
            while (_journal.Count > 0 && _journal.Peek().Ticks < cutoff)
            {
                _journal.Dequeue();
            }

            if (snapshot.Entries.Length > 0)
            {
                var matches = new EntryMatches(stackalloc int[16]);
                try
                {
                    foreach (var item in _journal)
                    {
                        if (item.Ticks < cutoff)
                        {
                            continue; // out of order (calls end in a different order than they start)
                        }

                        snapshot.Match(ref matches, item.Model, StrippedModel(snapshot, item.Model), item.UserId, item.Route, item.Metadata, null);
                        foreach (var index in matches.Items)
                        {
                            var entry = snapshot.Entries[index];
                            if (entry.Counts(item.Ticks))
                            {
                                entry.LocalNano += item.Nano;
                            }
                        }

                        matches.Clear();
                    }
                }
                finally
                {
                    matches.Dispose();
                }
            }

            _snapshot = snapshot;
        }
    }

    internal void ExpireReservations()
    {
        var cutoff = _time.GetUtcNow().UtcTicks - ReservationTimeout.Ticks;
        var expired = 0;
        lock (_gate)
        {
            for (var r = _inFlight; r is not null;)
            {
                var next = r.Next;
                if (r.CreatedTicks <= cutoff)
                {
                    r.Release();
                    Unlink(r);
                    expired++;
                }

                r = next;
            }
        }

        if (expired > 0)
        {
            Log.BudgetReservationsExpired(_logger, expired, ReservationTimeout);
        }
    }

    /// <summary>Adds a reservation to the in-flight list. Under <see cref="_gate"/>.</summary>
    private void Link(BudgetReservation reservation)
    {
        reservation.Next = _inFlight;
        if (_inFlight is not null)
        {
            _inFlight.Previous = reservation;
        }

        _inFlight = reservation;
        _inFlightCount++;
    }

    /// <summary>Removes a reservation from the in-flight list. Under <see cref="_gate"/>.</summary>
    private void Unlink(BudgetReservation reservation)
    {
        if (reservation.Previous is { } previous)
        {
            previous.Next = reservation.Next;
        }
        else if (ReferenceEquals(_inFlight, reservation))
        {
            _inFlight = reservation.Next;
        }
        else
        {
            return; // not linked
        }

        if (reservation.Next is { } next)
        {
            next.Previous = reservation.Previous;
        }

        reservation.Previous = null;
        reservation.Next = null;
        _inFlightCount--;
    }

    /// <summary>
    /// The most this call can cost: the requested model's catalogue price for input ≈ <see cref="BudgetRequest.InputTokens"/>
    /// and output = the request's cap or <see cref="LensAIBudgetOptions.DefaultMaxOutputTokens"/>. A model the catalogue
    /// cannot price is estimated at <see cref="LensAIBudgetOptions.UnpricedInputPerMillion"/> and
    /// <see cref="LensAIBudgetOptions.UnpricedOutputPerMillion"/> (so a budget can hold it back), and
    /// <paramref name="unpriced"/> says so; its recorded cost is still the catalogue's (none) or an override's.
    /// </summary>
    internal long Estimate(in BudgetRequest request, out bool unpriced)
    {
        unpriced = false;
        if (request.Model is null)
        {
            return 0;
        }

        var input = Math.Max(0, request.InputTokens);
        var output = request.MaxOutputTokens is int max && max > 0 ? max : _options.DefaultMaxOutputTokens;
        var rates = Rates(request.Provider, request.Model);
        if (!rates.Priced)
        {
            unpriced = true;
            var fallback = Math.Ceiling(((input * _options.UnpricedInputPerMillion) + (output * _options.UnpricedOutputPerMillion)) * 1_000m);
            return fallback >= NanoUsd.Max ? NanoUsd.Max : (long)fallback; // USD per 1M tokens × 1,000 = nano-USD per token
        }

        if (rates.Tiered)
        {
            // Long-context tiers change the rates with the input size: exact catalogue math (rare models).
            return _catalog.TryCalculate(request.Provider, request.Model, new TokenUsage(input, output), out var cost, out _) ? NanoUsd.From(cost) : 0;
        }

        var nano = Math.Ceiling((input * rates.InputNano) + (output * rates.OutputNano) + rates.PerRequestNano);
        return nano >= NanoUsd.Max ? NanoUsd.Max : (long)nano;
    }

    /// <summary>The per-token rates of a model from a small most-recently-used table (apps call few models), else the catalogue.</summary>
    private EstimateRates Rates(string provider, string model)
    {
        var table = _rates;
        for (var i = 0; i < table.Length; i++)
        {
            if (Volatile.Read(ref table[i]) is { } cached && string.Equals(cached.Model, model, StringComparison.Ordinal)
                && string.Equals(cached.Provider, provider, StringComparison.Ordinal))
            {
                return cached;
            }
        }

        var rates = EstimateRates.From(_catalog, provider, model);
        var slot = (int)((uint)Interlocked.Increment(ref _nextRate) % (uint)table.Length);
        Volatile.Write(ref table[slot], rates);
        return rates;
    }

    private long Committed(BudgetEntry entry)
    {
        lock (_gate)
        {
            return entry.SpentNano + entry.LocalNano + entry.Accumulator.ReservedNano;
        }
    }

    private void Warn(BudgetEntry entry, BudgetBlockReason reason, long committed, long estimate, string? unpricedModel = null)
    {
        var status = entry.Status;
        _metrics.BudgetWarnings.Add(1, new KeyValuePair<string, object?>("scope", status.Scope));
        if (ShouldLog(status.BudgetId))
        {
            Log.BudgetWarning(_logger, status.BudgetId, status.Scope, status.ScopeValue, status.Period, Detail(entry, reason, committed, estimate, unpricedModel));
        }
    }

    private bool ShouldLog(string budgetId)
    {
        var now = _time.GetTimestamp();
        if (_budgetLogged.TryGetValue(budgetId, out var last) && _time.GetElapsedTime(last, now) < s_budgetLogInterval)
        {
            return false;
        }

        if (_budgetLogged.Count >= MaxLoggedBudgets && last == 0)
        {
            return false;
        }

        _budgetLogged[budgetId] = now;
        return true;
    }

    private string Detail(BudgetEntry entry, BudgetBlockReason reason, long committed, long estimate, string? unpricedModel = null)
    {
        if (reason == BudgetBlockReason.Flagged)
        {
            return entry.Status.Reason is { Length: > 0 } why ? why : "the LensAI backend marked this scope blocked";
        }

        var inProcess = committed - entry.SpentNano;
        return string.Create(CultureInfo.InvariantCulture,
            $"spend {NanoUsd.ToUsd(entry.SpentNano)} USD at the last status, {NanoUsd.ToUsd(inProcess)} USD in process and in flight since, and this call's estimate {NanoUsd.ToUsd(estimate)} USD against the limit {NanoUsd.ToUsd(entry.LimitNano)} USD{(unpricedModel is null ? "" : $" (the catalogue has no price for model '{unpricedModel}': estimated at the fallback {_options.UnpricedInputPerMillion} / {_options.UnpricedOutputPerMillion} USD per 1M input / output tokens, LensAI:Budgets:UnpricedInputPerMillion and UnpricedOutputPerMillion)")}");
    }

    /// <summary>The model without its snapshot suffix (cached), when the document has model budgets; else null.</summary>
    private string? StrippedModel(BudgetSnapshot snapshot, string? model)
    {
        if (model is null || !snapshot.HasModelScopes)
        {
            return null;
        }

        if (_strippedModels.TryGetValue(model, out var stripped))
        {
            return stripped;
        }

        stripped = PriceCatalog.StripVersionSuffix(model.ToLowerInvariant());
        if (_strippedModels.Count < MaxStrippedModels)
        {
            _strippedModels.TryAdd(model, stripped);
        }

        return stripped;
    }

    /// <summary>One recorded call's spend and what budgets match on (not the whole event: the journal stays small).</summary>
    private readonly record struct JournalEntry(long Ticks, long Nano, string Model, string? UserId, string? Route, IReadOnlyDictionary<string, string>? Metadata);

    /// <summary>
    /// A model's catalogue prices as nano-dollars per token (discounts applied), read once from the catalogue's own
    /// math, so an estimate is two multiplications instead of the exact decimal computation.
    /// </summary>
    private sealed class EstimateRates
    {
        private EstimateRates(string provider, string model, bool priced, bool tiered, double inputNano, double outputNano, double perRequestNano)
        {
            Provider = provider;
            Model = model;
            Priced = priced;
            Tiered = tiered;
            InputNano = inputNano;
            OutputNano = outputNano;
            PerRequestNano = perRequestNano;
        }

        public string Provider { get; }

        public string Model { get; }

        public bool Priced { get; }

        public bool Tiered { get; }

        public double InputNano { get; }

        public double OutputNano { get; }

        public double PerRequestNano { get; }

        public static EstimateRates From(PriceCatalog catalog, string provider, string model)
        {
            const int Probe = 1000; // below every long-context tier, and exact at 9 decimals
            if (!catalog.TryGetPrice(provider, model, out var price)
                || !catalog.TryCalculate(provider, model, default, out var perRequest, out _)
                || !catalog.TryCalculate(provider, model, new TokenUsage(Probe, 0), out var input, out _)
                || !catalog.TryCalculate(provider, model, new TokenUsage(0, Probe), out var output, out _))
            {
                return new EstimateRates(provider, model, priced: false, tiered: false, 0, 0, 0);
            }

            return new EstimateRates(provider, model, priced: true, tiered: price.Tiers.Count > 0,
                (double)((input - perRequest) * 1_000_000_000m / Probe),
                (double)((output - perRequest) * 1_000_000_000m / Probe),
                (double)(perRequest * 1_000_000_000m));
        }
    }
}
