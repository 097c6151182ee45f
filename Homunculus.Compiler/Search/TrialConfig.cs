using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Search;

/// <summary>
/// One configuration the compiler can train: an algorithm, its complete settings (the family's
/// "model.&lt;name&gt;" JSON with defaults filled in), the features it reads (names, in .hspec order) and,
/// when the search chooses it, the flow packet from which the model decides.
/// </summary>
public sealed class TrialConfig
{
    public TrialConfig(string algorithm, JObject settings, IReadOnlyList<string> features, int? classifyAt = null)
    {
        Algorithm = algorithm;
        Settings = (JObject)JToken.Parse(FamilySpaces.Canonical(settings));
        Features = features;
        ClassifyAt = classifyAt;
        Canonical = FamilySpaces.Canonical(ToJson());
        Key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical))).Substring(0, 32);
    }

    public string Algorithm { get; }

    public JObject Settings { get; }

    public IReadOnlyList<string> Features { get; }

    /// <summary>The classification point (flow.classifyAt) when the search chooses it; null: the .hspec's.</summary>
    public int? ClassifyAt { get; }

    /// <summary>Sorted-key JSON: equal configurations have equal text.</summary>
    public string Canonical { get; }

    /// <summary>The configuration's file name in the trial store.</summary>
    public string Key { get; }

    public JObject ToJson()
    {
        var json = new JObject
        {
            ["algorithm"] = Algorithm,
            ["settings"] = Settings.DeepClone(),
            ["features"] = new JArray(Features),
        };
        // Absent unless searched, so configurations (and their trial keys) without it stay as they were.
        if (ClassifyAt is int n) json["classifyAt"] = n;
        return json;
    }

    public static TrialConfig? FromJson(JToken? token)
    {
        if (token is not JObject obj || obj["algorithm"] is not JValue { Type: JTokenType.String } algorithm
            || obj["settings"] is not JObject settings || obj["features"] is not JArray features
            || features.Any(f => f.Type != JTokenType.String))
            return null;
        int? classifyAt = null;
        if (obj["classifyAt"] is { } n)
        {
            if (n is not JValue { Type: JTokenType.Integer } value || (long)value < 1 || (long)value > 1 << 16) return null;
            classifyAt = (int)value;
        }
        return new TrialConfig((string)algorithm!, settings, features.Select(f => (string)f!).ToList(), classifyAt);
    }

    /// <summary>"hidden=12-6-3 learningRate=0.003 ..." (settings in key order).</summary>
    public string DescribeSettings() => string.Join(" ", Settings.Properties().Select(p => $"{p.Name}={Text(p.Value)}"));

    /// <summary>"dnn, 5 of 7 features, hidden=12-6-3 ...".</summary>
    public string Describe(int featureCount)
    {
        string settings = DescribeSettings();
        string features = Features.Count == featureCount ? $"all {featureCount} features" : $"{Features.Count} of {featureCount} features";
        if (ClassifyAt is int n) features += $", deciding from flow packet {n}";
        return settings.Length == 0 ? $"{Algorithm}, {features}" : $"{Algorithm}, {features}, {settings}";
    }

    private static string Text(JToken token) => token switch
    {
        JArray array => string.Join("-", array.Select(Text)),
        JValue { Type: JTokenType.Float } v => ((double)v).ToString("G4", CultureInfo.InvariantCulture),
        _ => token.ToString(Newtonsoft.Json.Formatting.None),
    };

    public override string ToString() => Canonical;
}
