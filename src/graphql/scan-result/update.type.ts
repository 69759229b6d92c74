import { Field, ObjectType } from 'type-graphql';

@ObjectType({
  description: "A pending update, from the package manager's own read-only query.",
})
export class Update {
  @Field(() => String)
  name!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The installed version; null where the manager does not print it (dnf, yum).',
  })
  currentVersion!: string | null;
  @Field(() => String)
  availableVersion!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'The repository or suite the update comes from: an apt suite (`bookworm-security`), a dnf/yum/zypper repository id, a pacman sync database.',
  })
  source!: string | null;
  @Field(() => Boolean, {
    description:
      "True when the manager's metadata marks it a security fix: a `-security` apt suite or origin, a security advisory (dnf/yum updateinfo, zypper patch category).",
  })
  security!: boolean;
  @Field(() => String, {
    nullable: true,
    description: "The advisory's severity as the manager spells it; null when none.",
  })
  severity!: string | null;
  @Field(() => [String], { description: 'Advisory ids naming this update; empty when none.' })
  advisoryIds!: string[];
}
