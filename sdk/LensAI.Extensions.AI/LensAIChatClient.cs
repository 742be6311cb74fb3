using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using LensAI.Budgets;
using LensAI.Capture;
using LensAI.Estimation;
using Microsoft.Extensions.AI;

namespace LensAI.Extensions.AI;

/// <summary>
/// The <see cref="IChatClient"/> hook: records one <see cref="UsageEvent"/> per call, in <c>finally</c> so cancelled,
/// failed and abandoned calls still count. HTTP calls captured beneath it (a LensAI-wrapped HttpClient) are owned
/// by it, so a model call is one event carrying the provider's exact usage; otherwise the event is built from the
/// usage the chat client reports. Responses and updates pass through unchanged; a LensAI failure is never thrown.
/// </summary>
internal sealed class LensAIChatClient : DelegatingChatClient
{
    internal const string Operation = "chat";
    private const string ExceptionMetadataKey = "lensai.exception";

    private static readonly Dictionary<string, string> s_abandoned = new() { [UsageEvent.IncompleteMetadataKey] = "abandoned" };
    private static readonly Dictionary<string, string> s_broken = new() { [UsageEvent.IncompleteMetadataKey] = "broken" };
    private static readonly Dictionary<string, string> s_cancelled = new() { [ExceptionMetadataKey] = "cancelled" };
    private static readonly Dictionary<string, string> s_timeout = new() { [ExceptionMetadataKey] = "timeout" };

    private readonly CaptureEngine _engine;
    private readonly string? _providerName;
    private readonly string? _fallbackModel;
    private readonly bool _disposeInner;
    private ChatClientMetadata? _metadata;
    private volatile bool _metadataResolved;

    /// <summary>Wraps <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The chat client observed.</param>
    /// <param name="engine">Prices and records the events.</param>
    /// <param name="providerName">The provider recorded for events built from the client's usage; null: its metadata's.</param>
    /// <param name="fallbackModel">The model a budget-blocked call is sent to instead, if any.</param>
    /// <param name="disposeInner">Whether disposing this client disposes <paramref name="innerClient"/> (false when the
    /// app owns the inner client, e.g. an instance it registered in a kernel's services).</param>
    public LensAIChatClient(IChatClient innerClient, CaptureEngine engine, string? providerName, string? fallbackModel = null, bool disposeInner = true)
        : base(innerClient)
    {
        _engine = engine;
        _providerName = providerName;
        _fallbackModel = string.IsNullOrWhiteSpace(fallbackModel) ? null : fallbackModel;
        _disposeInner = disposeInner;
    }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.Options.Enabled
            ? CaptureAsync(messages, options, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.Options.Enabled
            ? StreamAsync(messages, options, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (_disposeInner)
        {
            base.Dispose(disposing);
        }
    }

    private async Task<ChatResponse> CaptureAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var start = CallStart.Now(_engine.TimeProvider);
        using var outer = OuterCapture.Begin();
        (options, var reservation) = Admit(messages, options, start, stream: false, outer); // throws when a budget blocks the call
        ChatResponse? response = null;
        Exception? error = null;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            Finish(outer, start, new Outcome(options, Stream: false, response?.ModelId, response?.ResponseId, response?.Usage, FirstUpdateTimestamp: null, error, Finished: true)
            {
                Messages = messages,
                Answer = response is { Usage: null } ? response.Text : null,
            });
            _engine.ReleaseBudget(reservation);
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = CallStart.Now(_engine.TimeProvider);
        using var outer = OuterCapture.Begin();
        (options, var reservation) = Admit(messages, options, start, stream: true, outer); // throws when a budget blocks the call
        UsageDetails? usage = null;
        string? modelId = null, responseId = null;
        long? firstUpdate = null;
        Exception? error = null;
        var finished = false;
        var streamed = new StringBuilder();
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            while (true)
            {
                try
                {
                    // Each step runs in the consumer's flow: re-enter the capture so HTTP calls the inner stream
                    // starts on a later step (another model call, a retry) are owned by this call too.
                    using (outer.Enter())
                    {
                        updates ??= base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            finished = true;
                            break;
                        }
                    }
                }
                catch (Exception ex)
                {
                    error = ex;
                    throw;
                }

                var update = updates.Current;
                firstUpdate ??= _engine.TimeProvider.GetTimestamp();
                Observe(update, ref usage, ref modelId, ref responseId);
                if (streamed.Length < MaxStreamedChars)
                {
                    streamed.Append(update.Text); // for the estimate of a stream that ends before its usage
                }

                yield return update;
            }
        }
        finally
        {
            try
            {
                if (updates is not null)
                {
                    await updates.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                Finish(outer, start, new Outcome(options, Stream: true, modelId, responseId, usage, firstUpdate, error, finished)
                {
                    Messages = messages,
                    Answer = streamed.ToString(),
                });
                _engine.ReleaseBudget(reservation);
            }
        }
    }

    /// <summary>
    /// The budget check, before anything is sent. Returns the options to send with (the fallback model's, when the
    /// budget sent the call there) and the reservation to release when the call ends. When a budget blocks the call,
    /// records it with status <c>blocked</c> and throws <see cref="LensAIBudgetExceededException"/>; a failure of the
    /// check itself allows the call.
    /// </summary>
    private (ChatOptions? Options, BudgetReservation? Reservation) Admit(IEnumerable<ChatMessage> messages, ChatOptions? options, in CallStart start, bool stream, OuterCapture outer)
    {
        var guard = _engine.Budgets;
        if (guard is null || start.Parent is { BudgetCovers: true })
        {
            return (options, null); // no budgets, or an enclosing LensAI chat client checked this call
        }

        outer.BudgetChecked = true; // HTTP calls beneath are covered by this check
        if (!guard.HasBudgets)
        {
            return (options, null);
        }

        BudgetRequest request;
        try
        {
            var metadata = Metadata();
            var provider = _providerName ?? NormalizeProvider(metadata?.ProviderName) ?? "unknown";
            request = new BudgetRequest(provider, options?.ModelId ?? metadata?.DefaultModelId, start.Attribution, EstimateInputTokens(messages), options?.MaxOutputTokens);
        }
        catch (Exception ex)
        {
            guard.OnGuardError(ex);
            return (options, null);
        }

        var decision = _engine.CheckBudget(request);
        if (!decision.IsBlocked)
        {
            return (options, decision.Reservation);
        }

        if (_fallbackModel is { } fallback
            && !string.Equals(fallback, request.Model, StringComparison.OrdinalIgnoreCase)
            && (decision.Reason == BudgetBlockReason.Projected || decision.BlockedBy!.Kind == BudgetScopeKind.Model))
        {
            var second = _engine.CheckBudget(request with { Model = fallback });
            if (!second.IsBlocked)
            {
                guard.OnFallback();
                var rerouted = options?.Clone() ?? new ChatOptions();
                rerouted.ModelId = fallback;
                return (rerouted, second.Reservation);
            }
        }

        var exception = _engine.OnBudgetBlocked(decision);
        try
        {
            Emit(start.Parent, new CapturedCall(
                request.Provider, request.Model ?? "unknown", Operation, stream, default, UsageStatus.Blocked, HttpStatus: null,
                start.Time, LatencyMs: 0, TtftMs: null, ResponseId: null, start.Attribution));
        }
        catch (Exception ex)
        {
            guard.OnGuardError(ex);
        }

        throw exception;
    }

    /// <summary>Input tokens ≈ prompt characters / 4; only counted for a materialized collection (a lazy sequence is read once, by the inner client).</summary>
    private static int EstimateInputTokens(IEnumerable<ChatMessage> messages)
    {
        if (messages is not IReadOnlyCollection<ChatMessage> and not ICollection<ChatMessage>)
        {
            return 0;
        }

        long chars = 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is TextContent { Text: { } text })
                {
                    chars += text.Length;
                }
            }
        }

        return (int)Math.Min(int.MaxValue, chars / 4);
    }

    /// <summary>The most streamed characters kept for an estimate; a longer answer is estimated from its first ones.</summary>
    private const int MaxStreamedChars = 256 * 1024;

    /// <summary>
    /// The prompt's tokens by <paramref name="estimator"/>: the text of every message, plus the per-message framing.
    /// Only a materialized collection is read (a lazy sequence is read once, by the inner client).
    /// </summary>
    private static int EstimatePrompt(TokenEstimator estimator, string provider, string model, IEnumerable<ChatMessage>? messages)
    {
        if (messages is not IReadOnlyCollection<ChatMessage> and not ICollection<ChatMessage>)
        {
            return 0;
        }

        var text = new StringBuilder();
        var count = 0;
        foreach (var message in messages)
        {
            count++;
            text.Append(message.Text).Append('\n');
        }

        return count == 0 ? 0 : UsageEstimate.Count(estimator, provider, model, text.ToString()) + ((count + 1) * estimator.TokensPerMessage);
    }

    /// <summary>Notes the model, response id and usage an update carries. Never throws.</summary>
    private void Observe(ChatResponseUpdate update, ref UsageDetails? usage, ref string? modelId, ref string? responseId)
    {
        try
        {
            modelId ??= update.ModelId;
            responseId ??= update.ResponseId;
            foreach (var content in update.Contents)
            {
                if (content is UsageContent { Details: { } details })
                {
                    // Summed, as ChatResponse assembles streamed usage; our own instance, never the caller's.
                    (usage ??= new UsageDetails()).Add(details);
                }
            }
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(new ProviderRoute(_providerName ?? "unknown", Operation, default), ex);
        }
    }

    private void Finish(OuterCapture outer, in CallStart start, in Outcome outcome)
    {
        var provider = _providerName ?? "unknown";
        try
        {
            var beneath = outer.Close();
            if (beneath.Count > 0)
            {
                // The HTTP layer beneath saw the provider's own answer: its events are exact.
                foreach (var call in beneath)
                {
                    Emit(start.Parent, call);
                }

                return;
            }

            var metadata = Metadata();
            provider = _providerName ?? NormalizeProvider(metadata?.ProviderName) ?? "unknown";
            var model = outcome.ModelId ?? outcome.Options?.ModelId ?? metadata?.DefaultModelId ?? "unknown";
            var usage = ToTokenUsage(outcome.Usage, out var clamped);
            if (clamped)
            {
                _engine.OnCaptureError(new ProviderRoute(provider, Operation, default), new FormatException($"The {provider} chat client reported inconsistent token counts; they were clamped."));
            }

            var status = UsageStatus.Ok;
            int? httpStatus = null;
            var extra = start.Attribution.Metadata;
            if (outcome.Error is { } error)
            {
                status = UsageStatus.Error;
                if (error is HttpRequestException { StatusCode: { } code })
                {
                    httpStatus = (int)code;
                    status = code == HttpStatusCode.TooManyRequests ? UsageStatus.RateLimited : UsageStatus.Error;
                }
                else if (error is TimeoutException || error.InnerException is TimeoutException)
                {
                    extra = AttributionScope.Merge(extra, s_timeout);
                }
                else if (error is OperationCanceledException)
                {
                    extra = AttributionScope.Merge(extra, s_cancelled);
                }
            }

            if (!outcome.Finished)
            {
                extra = AttributionScope.Merge(extra, outcome.Error is null ? s_abandoned : s_broken);
            }

            var estimated = false;
            if (outcome.Usage is null && httpStatus is null && (outcome.Error is null or OperationCanceledException or TimeoutException || outcome.Error.InnerException is TimeoutException || outcome.Stream))
            {
                // Billed without a usage report (a stream cut short or without usage, a client that reports none, a
                // timeout after the call went out): the prompt and the answer seen, estimated.
                var estimator = _engine.Estimator;
                var prompt = EstimatePrompt(estimator, provider, model, outcome.Messages);
                var answer = UsageEstimate.Count(estimator, provider, model, outcome.Answer ?? "");
                usage = UsageEstimate.Merge(usage, prompt, answer, out estimated);
                if (estimated)
                {
                    _engine.OnEstimated(new ProviderRoute(provider, Operation, default));
                    extra = UsageEstimate.Named(extra, estimator.Name);
                }
            }

            var time = _engine.TimeProvider;
            int? ttft = outcome.Stream && outcome.FirstUpdateTimestamp is { } first ? ToMilliseconds(time, first - start.Timestamp) : null;
            var captured = new CapturedCall(
                provider, model, Operation, outcome.Stream, usage, status, httpStatus,
                start.Time, ToMilliseconds(time, time.GetTimestamp() - start.Timestamp), ttft, outcome.ResponseId,
                new Attribution(start.Attribution.UserId, start.Attribution.Route, extra), UsageEstimated: estimated);
            Emit(start.Parent, captured);
        }
        catch (Exception ex)
        {
            _engine.OnCaptureError(new ProviderRoute(provider, Operation, default), ex);
        }
    }

    /// <summary>Hands the call to an enclosing LensAI chat client when there is one (nested wrappers: one event), else records it.</summary>
    private void Emit(OuterCapture? parent, CapturedCall call)
    {
        if (parent is null || !parent.TryAdd(call))
        {
            _engine.Record(call);
        }
    }

    private ChatClientMetadata? Metadata()
    {
        if (!_metadataResolved)
        {
            _metadata = InnerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
            _metadataResolved = true;
        }

        return _metadata;
    }

    /// <summary>Maps OpenTelemetry gen-ai provider names to LensAI's (the ones prices are keyed by).</summary>
    internal static string? NormalizeProvider(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" => null,
        "azure.ai.openai" or "azure_openai" => ProviderDetector.AzureOpenAI,
        "gcp.gemini" or "gcp.gen_ai" or "gemini" => ProviderDetector.Gemini,
        "gcp.vertex_ai" or "vertex_ai" => ProviderDetector.VertexAI,
        "mistral_ai" => "mistral",
        "x_ai" => "xai",
        _ => name,
    };

    /// <summary>
    /// <see cref="UsageDetails"/> already has LensAI's semantics (cached tokens are part of input, reasoning part of
    /// output); unknown counts are 0 here, and parts larger than their wholes are clamped.
    /// </summary>
    internal static TokenUsage ToTokenUsage(UsageDetails? details, out bool clamped)
    {
        clamped = false;
        if (details is null)
        {
            return default;
        }

        var input = Count(details.InputTokenCount, ref clamped);
        var output = Count(details.OutputTokenCount, ref clamped);
        var cached = Count(details.CachedInputTokenCount, ref clamped);
        var reasoning = Count(details.ReasoningTokenCount, ref clamped);
        if (cached > input)
        {
            cached = input;
            clamped = true;
        }

        if (reasoning > output)
        {
            reasoning = output;
            clamped = true;
        }

        return new TokenUsage(input, output, cached, CacheWriteTokens: 0, reasoning);
    }

    private static int Count(long? value, ref bool clamped)
    {
        switch (value)
        {
            case null:
                return 0;
            case < 0:
                clamped = true;
                return 0;
            case > int.MaxValue:
                clamped = true;
                return int.MaxValue;
            default:
                return (int)value.Value;
        }
    }

    private static int ToMilliseconds(TimeProvider time, long timestampDelta)
    {
        var ms = (double)timestampDelta * 1000 / time.TimestampFrequency;
        return ms >= int.MaxValue ? int.MaxValue : ms <= 0 ? 0 : (int)Math.Round(ms);
    }

    /// <summary>When and in which attribution scope a call started, and the LensAI chat client (if any) it is nested in.</summary>
    private readonly record struct CallStart(DateTimeOffset Time, long Timestamp, Attribution Attribution, OuterCapture? Parent)
    {
        public static CallStart Now(TimeProvider time)
            => new(time.GetUtcNow(), time.GetTimestamp(), Attribution.Resolve(null), OuterCapture.Current);
    }

    /// <summary>How a call ended, as the chat client reported it.</summary>
    private readonly record struct Outcome(
        ChatOptions? Options,
        bool Stream,
        string? ModelId,
        string? ResponseId,
        UsageDetails? Usage,
        long? FirstUpdateTimestamp,
        Exception? Error,
        bool Finished)
    {
        /// <summary>The call's messages, for the estimate of a call billed without a usage report.</summary>
        public IEnumerable<ChatMessage>? Messages { get; init; }

        /// <summary>The answer's text seen (streamed, or a response without usage), for the same estimate.</summary>
        public string? Answer { get; init; }
    }
}
