import { Field, ObjectType } from 'type-graphql';

@ObjectType()
export class Package {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  version!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
}
