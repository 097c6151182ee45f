using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Compiler.Emitters.P4V1Model;

/// <summary>
/// Where one model's code lives in a P4 program: the prefix of the metadata fields, tables and actions it declares,
/// where it reads each of its features, and where it writes its class. A program of one model has no prefix, reads
/// the feature fields and writes the result field (<see cref="Of"/>); in a schedule (docs/schedule.md) each model has
/// its own prefix and result field, and reads an earlier model's result as its class input (<see cref="InSchedule"/>).
/// </summary>
/// <param name="Fields">Per feature of the model (its own feature order), the field it reads.</param>
public sealed record P4Scope(string Prefix, IReadOnlyList<string> Fields, string Result)
{
    public static P4Scope Of(ModelFile model) =>
        new("", model.Features.Select(P4FeatureTransport.FieldRef).ToList(), P4FeatureTransport.ResultRef(model));

    /// <summary>
    /// Model <paramref name="index"/> of a schedule: the prefix <c>&lt;model&gt;__</c> (identifiers never hold "__",
    /// so no two models' names, and no name of the shared part, can meet), the shared feature fields, and the earlier
    /// model's result field as the class input.
    /// </summary>
    public static P4Scope InSchedule(ModelFile file, int index)
    {
        var schedule = Schedules.Of(file)!;
        var model = schedule.Models[index];
        var fields = model.Features.Select(f => P4FeatureTransport.FieldRef(file.Features[f])).ToList();
        if (model.Input) fields.Add(P4FeatureTransport.ResultRef(file, schedule.AfterIndex(model)));
        return new P4Scope(Identifiers.Snake(model.Name) + "__", fields, P4FeatureTransport.ResultRef(file, index));
    }

    /// <summary>A name the model declares (metadata field, table, action).</summary>
    public string Name(string local) => Prefix + local;
}
