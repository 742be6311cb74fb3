// A chat backend that bills its users with LensAI. ChatBillingApi.cs is the service (chat, usage, invoices, Stripe
// push); Billing.cs reads what the LensAI backend stored; Users.cs holds the plans and their quotas as LensAI budgets;
// LocalStripe.cs stands in for Stripe when STRIPE_API_KEY is not set. `dotnet run --project samples/ChatBilling`
// plays a short story and exits; add `-- --serve` to keep it running for curl.
using LensAI.Samples.ChatBilling;

return await ChatBillingDemo.RunAsync(args, Console.Out);
