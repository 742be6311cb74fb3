using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using LensAI.Connection;
using LensAI.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace LensAI.Shipping;

internal readonly record struct ShipResult(ShipOutcome Outcome, int RejectedEvents = 0, string? Detail = null);
