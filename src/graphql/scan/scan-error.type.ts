import { Field, ObjectType } from 'type-graphql';

import { ScanErrorCode } from '../common/enums';

@ObjectType('ScanError', { description: 'Why a scan or step failed.' })
export class ScanErrorInfo {
  @Field(() => ScanErrorCode)
  code!: ScanErrorCode;
  @Field(() => String)
  message!: string;
}
