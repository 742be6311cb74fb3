using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace LensAI.Backend.Alerts;

/// <summary>The end of a delivery: the deciding attempt, how many were made, and a message for the caller.</summary>
internal readonly record struct DeliveryOutcome(AttemptOutcome Last, int Attempts, string Message);
