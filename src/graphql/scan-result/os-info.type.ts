import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Operating system, from os-release and uname.' })
export class OsInfo {
  @Field(() => String, { nullable: true, description: 'os-release ID, e.g. `debian`.' })
  id!: string | null;
  @Field(() => String, { nullable: true })
  name!: string | null;
  @Field(() => String, { nullable: true })
  version!: string | null;
  @Field(() => String, { nullable: true })
  versionId!: string | null;
  @Field(() => String, { nullable: true })
  prettyName!: string | null;
  @Field(() => String, { nullable: true, description: 'Kernel release (`uname -r`).' })
  kernel!: string | null;
  @Field(() => String, { nullable: true, description: 'Machine architecture (`uname -m`).' })
  arch!: string | null;
}
